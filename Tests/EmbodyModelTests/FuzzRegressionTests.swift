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

    /// `<?xmhi?>` (a processing instruction with a target and no content) killed `embody inspect` with SIGSEGV:
    /// libxml2 reports it with a null content pointer and Foundation's XMLParser calls strlen on it. Such an
    /// instruction is now blanked before libxml2 sees the text: the document loads, in URDF and MJCF alike,
    /// and positions after it are unchanged.
    @Test func aProcessingInstructionWithoutContentLoads() throws {
        for pi in ["<?xmhi?>", "<?a?>", "<?x-y.z:1?>", "<?é?>"] {
            let urdf = "\(pi)\n<robot name=\"r\">\(pi)<link name=\"a\"/>\(pi)</robot>\n\(pi)"
            #expect(try URDFLoader.parse(xml: urdf, path: "/m/r.urdf").links.map(\.name) == ["a"], "\(pi)")
            let mjcf = "\(pi)<mujoco model=\"m\">\(pi)<worldbody><body name=\"b\"><freejoint/><geom size=\".1\"/></body></worldbody></mujoco>"
            #expect(try MJCFLoader.parse(xml: mjcf, path: "/m/m.xml").links.map(\.name) == ["world", "b"], "\(pi)")
        }
        // Inside a document type's internal subset, which libxml2 reports the same way.
        let doctype = "<!DOCTYPE robot [ <?x?> ]>\n<robot name=\"r\"><link name=\"a\"/></robot>"
        #expect(try URDFLoader.parse(xml: doctype, path: "/m/r.urdf").links.map(\.name) == ["a"])
        // Columns after a blanked instruction are those of the file: the unclosed tag is at 1:9.
        do {
            _ = try URDFLoader.parse(xml: "<?ab?>  <robot name=\"r\"><link name=\"a\"/>", path: "/m/r.urdf")
            Issue.record("an unclosed <robot> loaded")
        } catch {
            #expect(error.location == SourceLocation(file: "/m/r.urdf", line: 1, column: 9), "\(error)")
        }
    }

    /// Only real instructions are blanked: the same characters in a comment, a CDATA section or an attribute
    /// value are left to libxml2 (ignored in a comment; `<` in an attribute value is refused as before).
    @Test func onlyRealProcessingInstructionsAreBlanked() throws {
        let comment = "<!-- <?a?> --><robot name=\"r\"><link name=\"a\"/></robot>"
        #expect(XMLTree.blankingEmptyProcessingInstructions(comment) == comment)
        let cdata = "<robot name=\"r\"><![CDATA[<?a?>]]><link name=\"a\"/></robot>"
        #expect(XMLTree.blankingEmptyProcessingInstructions(cdata) == cdata)
        let attribute = "<robot name=\"<?a?>\"><link name=\"a\"/></robot>"
        #expect(XMLTree.blankingEmptyProcessingInstructions(attribute) == attribute)
        #expect(throws: ModelError.self) { try URDFLoader.parse(xml: attribute, path: "/m/r.urdf") }
        // An instruction with content is not touched (libxml2 hands it over with its content).
        let withContent = "<?a b?><robot name=\"r\"><link name=\"a\"/></robot>"
        #expect(XMLTree.blankingEmptyProcessingInstructions(withContent) == withContent)
        #expect(XMLTree.blankingEmptyProcessingInstructions("<?a?>\n<r/>") == "     \n<r/>")
    }
}
