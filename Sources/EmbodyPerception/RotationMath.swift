// MARK: - Elementary functions for the sensors and estimators (the rotation helpers live in EmbodyModel)

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Double {
    var sinValueP: Double { sin(self) }
    var cosValueP: Double { cos(self) }
}

func atan2P(_ y: Double, _ x: Double) -> Double { atan2(y, x) }
func tanP(_ x: Double) -> Double { tan(x) }
