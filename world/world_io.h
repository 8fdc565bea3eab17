// Conversion of a reesim.Scenario message (its world part) to the typed WorldDescription, with every
// consistency check a scenario author needs: unknown references, negative quantities, missing stages.
#pragma once

#include <string>

#include "world/description.h"

namespace reesim {
class Scenario;
}

namespace reesim::world {

// Returns the validated world of `scenario`. Throws InputError naming `source`, the field path and
// the value at fault.
WorldDescription WorldFromProto(const reesim::Scenario& scenario, const std::string& source);

}  // namespace reesim::world
