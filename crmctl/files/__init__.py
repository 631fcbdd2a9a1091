"""The files crmctl writes: atomic replacement, modes."""
