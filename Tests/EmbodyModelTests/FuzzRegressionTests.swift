// MARK: - Inputs the fuzzer found (Fuzz/Regressions/urdf, docs/testing.md)
//
// Every input that once crashed, hung or blew up the URDF loader under `make fuzz` is kept in
// Fuzz/Regressions/urdf/ and parsed here as the fuzz harness parses it (as Scenarios/robots/fuzz.urdf).
// Each must come back quickly, and when refused, with an error that names the file.

import Foundation
import Testing
@testable import EmbodyModel

@Suite("Fuzz regressions: URDF loader")
struct URDFFuzzRegressionTests {
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // …/Tests/EmbodyModelTests/FuzzRegressionTests.swift
        return url.path
    }()
    static let directory = repoRoot + "/Fuzz/Regressions/urdf"
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()

    @Test(arguments: files)
    func parsesOrIsRefusedQuickly(file: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.directory + "/" + file))
        let path = Self.repoRoot + "/Scenarios/robots/fuzz.urdf"
        let start = ContinuousClock.now
        do {
            _ = try URDFLoader.parse(xml: String(decoding: bytes, as: UTF8.self), path: path)
        } catch {
            #expect(!error.location.file.isEmpty, "\(error)")
            #expect(!error.message.isEmpty)
        }
        #expect(ContinuousClock.now - start < .seconds(2), "\(file) took \(ContinuousClock.now - start)")
    }

    /// Three NUL bytes then `<` made libxml2 guess UCS-4 and crash (SIGSEGV in xmlParseChunk); `embody inspect`
    /// died with signal 11. A NUL anywhere is now refused at its position.
    @Test func aNulCharacterIsRefusedAtItsPosition() {
        for (text, line, column) in [("\0\0\0<link name=\"\n\0\0", 1, 1), ("<robot name=\"r\">\n  <link\0/>\n</robot>", 2, 8)] {
            #expect(throws: ModelError.self) { try URDFLoader.parse(xml: text, path: "/m/r.urdf") }
            do {
                _ = try URDFLoader.parse(xml: text, path: "/m/r.urdf")
            } catch {
                #expect(error.location == SourceLocation(file: "/m/r.urdf", line: line, column: column))
                #expect(error.message.contains("NUL"))
            }
        }
    }

    /// `encoding="UTF-32"` (or UCS-4) in the XML declaration crashed libxml2 the same way. The declaration no
    /// longer reaches libxml2 (the text is already UTF-8): every spelling loads.
    @Test func aDeclaredEncodingDoesNotReachLibxml2() throws {
        for encoding in ["UTF-32", "ISO-10646-UCS-4", "UCS-4", "UTF-16", "ebcdic", "UTF-8", "utf-8", "US-ASCII"] {
            let text = "<?xml version='1.0' encoding='\(encoding)'?>\n<robot name=\"x\"><link name=\"a\"/></robot>\n"
            #expect(try URDFLoader.parse(xml: text, path: "/m/r.urdf").links.map(\.name) == ["a"])
        }
    }
}
