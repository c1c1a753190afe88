"""A small load test (N = 3 concurrent browser sessions): no errors, memory bounded.
The full run (N = 1, 5, 20) is `python -m benchmarks.load`; its figures are in the README."""

from benchmarks.load import run


def test_three_concurrent_sessions_no_errors_memory_bounded():
    warm, three = run([1, 3], moves=3)  # the first session loads the shared layers
    assert warm["errors"] == [] and three["errors"] == []
    assert three["moves"] == 9
    # layers are cached once per process (st.cache_resource), not copied per session:
    # three more sessions add far less than one copy of the layers (~280 MB)
    assert three["server_rss_after_mb"] - three["server_rss_before_mb"] < 100
