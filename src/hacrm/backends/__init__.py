"""hacrm.backends"""
