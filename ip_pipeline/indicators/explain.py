import pandas as pd
def explain(*a, **k): raise NotImplementedError
