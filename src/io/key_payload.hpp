// Payload pieces shared by the io formats (serialize.cpp, bundle.cpp); not a public API.
// Layouts: serialize.hpp ('W' and 'E' payloads).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "common/bytes.hpp"
#include "io/format.hpp"
#include "rlwe/keys.hpp"
#include "rlwe/params.hpp"

namespace fhecnn::io::detail {

// Checks the container and the fingerprint; returns a reader over the payload (FormatError).
ByteReader open_payload(std::span<const std::uint8_t> blob, ObjectType type,
                        const rlwe::Params& params, const std::string& what);
// Throws FormatError when bytes are left after the last field.
void finish_read(const ByteReader& r);
// A u8 that must be 0 or 1 (FormatError otherwise).
std::uint8_t read_flag(ByteReader& r, const std::string& field);

// One switching-key payload ('W' layout). Writing throws InvalidArgument when the key does not
// fit the parameters or (seeded) its a polynomials are not the seed's expansion.
void put_switching_key(ByteWriter& w, const rlwe::SwitchingKey& key, const rlwe::Params& params,
                       bool seeded, const std::string& what, const std::string& label);
rlwe::SwitchingKey get_switching_key(ByteReader& r, const rlwe::Params& params,
                                     const std::string& label);

// The 'E' payload. `flush`, when set, is called after each key with the writer (which it may
// empty: the bundle streams keys to a file); `after_key`, when set, after each key read.
void put_evaluation_keys(ByteWriter& w, const rlwe::EvaluationKeys& keys,
                         const rlwe::Params& params, bool seeded, const std::string& what,
                         const std::function<void(ByteWriter&)>& flush = {});
rlwe::EvaluationKeys get_evaluation_keys(ByteReader& r, const rlwe::Params& params,
                                         const std::function<void()>& after_key = {});

}  // namespace fhecnn::io::detail
