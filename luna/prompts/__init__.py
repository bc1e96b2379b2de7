"""Versioned prompt files (<name>/v<semver>.yaml), registered in SQL; graphs load the active one."""
