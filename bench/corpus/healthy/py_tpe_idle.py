"""A ThreadPoolExecutor whose workers are idle while the main thread
sleeps between submissions.

case: healthy
"""
import time
from concurrent.futures import ThreadPoolExecutor

import case

with ThreadPoolExecutor(max_workers=4) as ex:
    list(ex.map(abs, range(-8, 0)))
    case.ready()
    while True:
        time.sleep(0.5)
        ex.submit(abs, -1).result()
