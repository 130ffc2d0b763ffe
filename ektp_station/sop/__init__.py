"""The SOP PATEN 2017 catalogue of Kecamatan Kalipare: procedures, their actors, steps and standard times."""

from ektp_station.sop.catalogue import Catalogue, Sop, Step, load_catalogue

__all__ = ["Catalogue", "Sop", "Step", "load_catalogue"]
