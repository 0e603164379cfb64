from dgforecast.cli import main

raise SystemExit(main())
