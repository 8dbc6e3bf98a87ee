"""hacrm.shell.levels"""
