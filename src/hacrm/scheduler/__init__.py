"""hacrm.scheduler"""
