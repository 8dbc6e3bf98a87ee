"""hacrm.agents"""
