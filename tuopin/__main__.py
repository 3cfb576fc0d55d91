from tuopin.cli import main

main()
