"""Real components started on 127.0.0.1 for tests and benchmarks (not used in production).

`crawler.testing.elasticsearch.ElasticsearchServer` runs the Maven Central integ-test-zip
that scripts/elasticsearch.sh fetched into the cache.
"""
