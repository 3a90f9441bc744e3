# lit configuration for the GoogleTest unit tests: every *Tests binary under build/test/unit.
import os

import lit.formats

config.name = "nnc-unit"
config.suffixes = []
config.test_source_root = os.path.join(config.nnc_obj_root, "test", "unit")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.environment["NNC_SOURCE_DIR"] = config.nnc_src_root
config.environment["NNC_BINARY_DIR"] = config.nnc_obj_root
