from tsunagu.cli import main

raise SystemExit(main())
