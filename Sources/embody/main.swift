// The embody command line: thin commands over EmbodyRuntime.
//
// Exit codes: 0 success; 1 invalid input; 2 the scenario's success criteria failed, or replay diverged;
// 3 internal error.

import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

Embody.mainWithExitCodes()
