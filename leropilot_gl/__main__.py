from leropilot_gl.cli import main

raise SystemExit(main())
