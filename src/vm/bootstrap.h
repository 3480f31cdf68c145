// Start-up: build the system classes and run the program.
#pragma once

#include <string>
#include <vector>

namespace som {

// Loads the system classes from the class path (fatal error if they are missing).
void bootstrap();
// Runs `system initialize: args`; answers the process exit status.
int runProgram(const std::vector<std::string>& args);

}  // namespace som
