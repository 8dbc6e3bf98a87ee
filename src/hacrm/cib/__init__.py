"""hacrm.cib"""
