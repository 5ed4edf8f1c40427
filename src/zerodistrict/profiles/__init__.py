"""Time series of a scenario: time axis, weather (+ file readers), PV, loads, prices and emission factors."""
