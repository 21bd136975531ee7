"""Practice logic without Qt or audio I/O: the exercise, calibration and the session store."""
