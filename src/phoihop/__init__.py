"""phoihop — the coordination mechanism between the People's Committee, the Fatherland Front
and the socio-political organisations, as a living record."""

__version__ = "0.1.0"
