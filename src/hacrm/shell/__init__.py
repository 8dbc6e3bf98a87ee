"""hacrm.shell"""
