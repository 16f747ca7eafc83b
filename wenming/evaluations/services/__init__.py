"""Writes of the 医德考评: cycles (``cycles``), the three steps and objections (``steps``) and the
daily records (``daily``). Import from the module that holds the service."""
