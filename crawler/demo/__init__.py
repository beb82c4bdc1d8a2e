"""The demo world: deterministic synthetic flagged platforms served on 127.0.0.1.

- base.py: the DemoPlatform contract and GroundTruthListing.
- world.py: the platform registry (`register_platform`), DemoWorld and DemoWorldThread.
- catalog.py: state, time steps and serving shared by the server-rendered platforms.
- classifieds.py, jobs.py, forum.py: demo-classifieds, demo-jobs, demo-forum.
- text.py: multilingual synthetic listing text with planted indicators; wallets.py: wallets.
- serve.py / __main__.py: `python -m crawler.demo serve --seed 1 --size 200 [--port-file F]`.

Everything is synthetic, clinical and non-explicit (docs/safety.md).
"""
