// MARK: - Sensor timing: rates, latency and the delay line
//
// Time is the integer physics tick. A sensor samples on ticks that are multiples of its period
// (physics rate / sensor rate, which must divide exactly; tick 0 samples) and delivers each sample
// `latencyTicks` ticks after it was taken. Between deliveries the last delivered reading is held.

import EmbodyModel

/// A problem with a perception component's configuration, written for people.
public struct PerceptionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// When a sensor samples and how late its readings arrive, in physics ticks.
public struct SensorTiming: Equatable, Sendable {
    /// Ticks between samples (≥ 1): the physics rate divided by the sensor rate.
    public let periodTicks: Int
    /// Ticks between taking a sample and delivering it (≥ 0).
    public let latencyTicks: Int

    /// Creates a timing from a sensor rate and the physics rate in Hz; the sensor rate must divide the
    /// physics rate exactly, and the latency is in physics ticks.
    public init(rateHz: Double, physicsRateHz: Double, latencyTicks: Int = 0) throws(PerceptionError) {
        guard rateHz > 0, rateHz.isFinite, physicsRateHz > 0, physicsRateHz.isFinite else {
            throw PerceptionError("sensor rate (\(rateHz) Hz) and physics rate (\(physicsRateHz) Hz) must be positive")
        }
        let ratio = physicsRateHz / rateHz
        let period = ratio.rounded()
        guard period >= 1, abs(ratio - period) < 1e-9 * ratio else {
            throw PerceptionError("sensor rate \(rateHz) Hz must divide the physics rate \(physicsRateHz) Hz exactly")
        }
        guard latencyTicks >= 0 else { throw PerceptionError("latency must be ≥ 0 ticks, got \(latencyTicks)") }
        self.periodTicks = Int(period)
        self.latencyTicks = latencyTicks
    }

    /// Creates a timing directly from a period and a latency in ticks.
    public init(periodTicks: Int, latencyTicks: Int = 0) throws(PerceptionError) {
        guard periodTicks >= 1 else { throw PerceptionError("the period must be ≥ 1 tick, got \(periodTicks)") }
        guard latencyTicks >= 0 else { throw PerceptionError("latency must be ≥ 0 ticks, got \(latencyTicks)") }
        self.periodTicks = periodTicks
        self.latencyTicks = latencyTicks
    }

    /// Whether a sample is taken at `tick` (every multiple of the period, tick 0 included).
    @inlinable public func isSampleTick(_ tick: Int) -> Bool { tick >= 0 && tick % periodTicks == 0 }

    /// The most samples that can be in flight at once: ⌊latency / period⌋ + 1.
    public var samplesInFlight: Int { latencyTicks / periodTicks + 1 }
}

// MARK: - Delay line

/// A fixed-capacity FIFO of fixed-width samples, each stamped with its sampling tick; a sample comes out
/// once `tick ≥ stamp + latency`. Storage is allocated once, at creation.
public struct DelayLine<Element: Sendable>: Sendable {
    /// The number of values per sample.
    public let width: Int
    /// The number of samples it can hold.
    public let capacity: Int
    /// The delay in ticks.
    public let latencyTicks: Int
    private var storage: [Element]
    private var stamps: [Int]
    private var head = 0
    /// The number of samples waiting.
    public private(set) var count = 0

    /// Creates a delay line for samples of `width` values, holding up to `capacity` samples.
    public init(width: Int, capacity: Int, latencyTicks: Int, fill: Element) {
        precondition(width >= 0 && capacity >= 1 && latencyTicks >= 0, "bad delay line size")
        self.width = width
        self.capacity = capacity
        self.latencyTicks = latencyTicks
        storage = Array(repeating: fill, count: width * capacity)
        stamps = Array(repeating: -1, count: capacity)
    }

    /// Empties the line.
    public mutating func clear() { head = 0; count = 0 }

    /// Appends a sample taken at `tick`, writing its values through `write` into the slot (the oldest
    /// waiting sample is dropped if the line is full, which a correctly sized line never does).
    public mutating func push(tick: Int, _ write: (UnsafeMutableBufferPointer<Element>) -> Void) {
        if count == capacity { head = (head + 1) % capacity; count -= 1 }
        let slot = (head + count) % capacity
        stamps[slot] = tick
        let base = slot * width, n = width
        storage.withUnsafeMutableBufferPointer { all in
            write(UnsafeMutableBufferPointer(rebasing: all[base..<(base + n)]))
        }
        count += 1
    }

    /// Removes every sample due at `tick` (stamp + latency ≤ tick) and copies the newest of them into
    /// `out[0..<width]`; returns its sampling tick, or nil when none was due.
    public mutating func pop(dueAt tick: Int, into out: inout [Element]) -> Int? {
        var delivered: Int? = nil
        var slot = -1
        while count > 0, stamps[head] + latencyTicks <= tick {
            delivered = stamps[head]
            slot = head
            head = (head + 1) % capacity
            count -= 1
        }
        guard let stamp = delivered else { return nil }
        let base = slot * width
        for i in 0..<width { out[i] = storage[base + i] }
        return stamp
    }
}

// MARK: - Delivered readings

/// The reading a sensor delivers: values, the tick they were sampled at, and whether any has arrived.
public struct SensorOutput<Element: Sendable>: Sendable {
    /// The delivered values (held between deliveries; zeros or the fill value before the first).
    public internal(set) var values: [Element]
    /// The physics tick at which the delivered values were sampled, or −1 before the first delivery.
    public internal(set) var sampleTick: Int = -1
    /// The tick of the most recent delivery, or −1.
    public internal(set) var deliveryTick: Int = -1

    /// Whether a reading has been delivered yet.
    public var hasReading: Bool { sampleTick >= 0 }

    init(width: Int, fill: Element) { values = Array(repeating: fill, count: width) }
}

/// A delay line and its delivered output: the plumbing every sensor shares.
struct SensorChannel<Element: Sendable>: Sendable {
    var line: DelayLine<Element>
    var output: SensorOutput<Element>
    let timing: SensorTiming

    init(width: Int, timing: SensorTiming, fill: Element) {
        self.timing = timing
        line = DelayLine(width: width, capacity: timing.samplesInFlight + 1, latencyTicks: timing.latencyTicks,
                         fill: fill)
        output = SensorOutput(width: width, fill: fill)
    }

    /// Delivers what is due at `tick`; true when a new reading arrived.
    mutating func deliver(tick: Int) -> Bool {
        guard let stamp = line.pop(dueAt: tick, into: &output.values) else { return false }
        output.sampleTick = stamp
        output.deliveryTick = tick
        return true
    }

    mutating func reset(fill: Element) {
        line.clear()
        for i in output.values.indices { output.values[i] = fill }
        output.sampleTick = -1
        output.deliveryTick = -1
    }
}
