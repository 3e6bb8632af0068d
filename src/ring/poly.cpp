#include "ring/poly.hpp"

#include <algorithm>
#include <cstring>

#include "common/error.hpp"

namespace fhecnn::ring {

RnsPoly::RnsPoly(std::size_t n, Basis basis, bool ntt)
    : n_(n), basis_(std::move(basis)), ntt_(ntt), data_(n_ * basis_.size(), 0) {}

RnsPoly::RnsPoly(std::size_t n, Basis basis, bool ntt, Uninitialized)
    : n_(n), basis_(std::move(basis)), ntt_(ntt), data_(n_ * basis_.size()) {}

void RnsPoly::truncate_limbs(std::size_t count) {
  require(count <= basis_.size(), "truncate polynomial", "asks ", count, " limbs of ",
          basis_.size());
  basis_.resize(count);
  data_.resize(count * n_);
}

void RnsPoly::erase_limb(std::size_t i) {
  require(i < basis_.size(), "erase limb", i, " of ", basis_.size());
  basis_.erase(basis_.begin() + static_cast<long>(i));
  data_.erase(data_.begin() + static_cast<long>(i * n_),
              data_.begin() + static_cast<long>((i + 1) * n_));
}

RnsPoly RnsPoly::select(const Basis& sub) const {
  RnsPoly out(n_, sub, ntt_, Uninitialized{});
  for (std::size_t k = 0; k < sub.size(); ++k) {
    auto it = std::find(basis_.begin(), basis_.end(), sub[k]);
    require(it != basis_.end(), "select limbs", "prime index ", sub[k], " is not in the basis");
    std::memcpy(out.limb(k), limb(static_cast<std::size_t>(it - basis_.begin())), n_ * sizeof(u64));
  }
  return out;
}

}  // namespace fhecnn::ring
