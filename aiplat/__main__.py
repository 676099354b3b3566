from aiplat.cli.main import run

run()
