"""A small load test (N = 3 concurrent browser sessions): no errors, no session lost, memory bounded.
The full runs (N = 1, 5, 20, 50; through nginx with 1 and 2 processes) are `python -m benchmarks.load`;
their figures are in the README."""

from benchmarks.load import run


def test_three_concurrent_sessions_no_errors_memory_bounded():
    warm, three = run([1, 3], moves=3)  # the first session loads the shared layers
    assert warm["errors"] == [] and three["errors"] == []
    assert three["moves"] == 9 and three["sessions_lost"] == 0
    # layers are cached once per process (st.cache_resource), not copied per session:
    # three more sessions add far less than one copy of the layers (~280 MB)
    assert three["server_rss_after_mb"] - three["server_rss_before_mb"] < 100
