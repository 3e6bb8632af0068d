// The common module is header-mostly; this file anchors the library target.
#include "common/error.hpp"
#include "common/types.hpp"
#include "common/bytes.hpp"
