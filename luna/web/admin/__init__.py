"""The admin dashboard: server-rendered pages over the admin JSON APIs (role admin only)."""
