"""hacrm.engine"""
