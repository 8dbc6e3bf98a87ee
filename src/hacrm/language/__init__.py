"""hacrm.language"""
