"""Departments and the people in them: who may do what is decided from role and department."""
