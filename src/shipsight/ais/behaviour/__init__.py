"""AIS behaviour as evidence: gaps, encounters, loitering, identity changes, spoofing, port calls.

Each rule is a flag of an MMSI over a span of time (``flags.mmsi``,
``start_time``, ``end_time``, the rule's ``evidence`` as JSON); thresholds
are options of ``shipsight ais behaviour`` (defaults in
``shipsight.rules.BEHAVIOUR_DEFAULTS``). The published definitions:

``ais-gap``
    Global Fishing Watch's suspected intentional AIS disabling, after Welch et
    al. (2022), *Hot spots of unseen fishing vessels*, Science Advances 8(44),
    eabq2109, and GFW's technical documentation (*Gaps*; the
    ``AIS-disabling-high-seas`` repository's gap events): a silence of 12 h
    or more between two positions of a vessel's track, both 50 nm or more
    from shore, with at least 14 positions in the 12 h before it (GFW counts
    ``positions_12_hours_before``; a gap there needs a vessel that was
    reporting well, so that the silence is the transponder's, not the
    receivers').
``ais-gap-near-watchlist``
    A silence of ``watchlist_gap_hours`` (1 h) or more that starts or ends
    within 50 nm of a watch-listed port polygon: no shore or reporting
    condition, lower severity (0.3).
``ais-encounter``
    GFW encounters (Miller et al. 2018, *Identifying global patterns of
    transshipment behavior*, Frontiers in Marine Science 5:240; GFW FAQ
    *What is a vessel encounter?* and technical documentation *Encounters*):
    two vessels within 500 m for at least 2 h, at a median speed under 2 kn,
    10 km or more from a coastal anchorage (here: any port polygon of the
    store); tracks resampled every 10 minutes and never interpolated across a
    silence of more than an hour (:mod:`.encounters`).
``loitering``
    GFW loitering (FAQ *What is a loitering event?*; technical documentation
    *Loitering*; the ``pipe-loitering`` pipeline's hourly statistics): hours
    whose average implied speed is under 2 kn, in a run of at least 2 h, 20 nm
    or more from shore on average (:func:`.vessel.loitering_runs`).
``identity-change``
    Within 30 days an MMSI broadcasting two names or two IMO numbers, or one
    IMO under two MMSIs; an MMSI whose MID (ITU-R M.585) is allocated to no
    country, or is another country than the flag a sanctions list gives the
    vessel of that IMO (:mod:`.identity_change`).
``ais-spoofing``
    One MMSI in two places at once: a step faster than 30 kn over more than
    10 km, or two reports of the same second more than 1 km apart; the track
    is split into segments the way GFW's segmenter (``gpsdio-segment``) does,
    and the flag says how (``simultaneous``, ``interleaved``: two ships on one
    MMSI, ``jump``); or positions on land (GSHHG, away from shore and outside
    every port polygon).
Port calls from AIS
    A vessel's run of positions inside one port polygon with at least 1 h
    spent at under 1 kn: kept in the store (``ais_port_calls``) and listed
    beside the calls from imagery in ``port-calls``, exports and the cap
    tracker, each call saying its ``source``.

The job runs over the archive's partitions (a day, a share of the vessels)
on Dask workers and writes each partition in one transaction
(:mod:`.job`, :mod:`shipsight.cluster`). Distances to shore come from the
GSHHG coastline through :mod:`.shore`.
"""
