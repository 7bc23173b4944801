// MARK: - JSON schemas of the MCAP channels
//
// The foxglove.* schemas follow the field definitions Foxglove publishes for its well-known message types
// (FrameTransforms, SceneUpdate and the types they contain); they are written here, not copied, and list
// the fields Embody fills. The embody.* schemas describe Embody's own messages. Units: m, rad, s, N, N·m.

enum MCAPSchemas {
    static let time = #"{"type":"object","title":"time","properties":{"sec":{"type":"integer","minimum":0},"nsec":{"type":"integer","minimum":0,"maximum":999999999}},"required":["sec","nsec"]}"#
    static let duration = #"{"type":"object","title":"duration","properties":{"sec":{"type":"integer"},"nsec":{"type":"integer","minimum":0,"maximum":999999999}},"required":["sec","nsec"]}"#
    static let vector3 = #"{"title":"foxglove.Vector3","type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},"z":{"type":"number"}},"required":["x","y","z"]}"#
    static let point3 = #"{"title":"foxglove.Point3","type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},"z":{"type":"number"}},"required":["x","y","z"]}"#
    static let quaternion = #"{"title":"foxglove.Quaternion","type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},"z":{"type":"number"},"w":{"type":"number"}},"required":["x","y","z","w"]}"#
    static let color = #"{"title":"foxglove.Color","type":"object","properties":{"r":{"type":"number","minimum":0,"maximum":1},"g":{"type":"number","minimum":0,"maximum":1},"b":{"type":"number","minimum":0,"maximum":1},"a":{"type":"number","minimum":0,"maximum":1}},"required":["r","g","b","a"]}"#
    static var pose: String { #"{"title":"foxglove.Pose","type":"object","properties":{"position":"# + vector3 + #","orientation":"# + quaternion + #"},"required":["position","orientation"]}"# }

    static var frameTransforms: String {
        #"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"foxglove.FrameTransforms","description":"An array of transforms between reference frames (Embody: each link frame and object in the world frame)","type":"object","properties":{"transforms":{"type":"array","items":{"title":"foxglove.FrameTransform","type":"object","properties":{"timestamp":"# + time + #","parent_frame_id":{"type":"string"},"child_frame_id":{"type":"string"},"translation":"# + vector3 + #","rotation":"# + quaternion + #"},"required":["timestamp","parent_frame_id","child_frame_id","translation","rotation"]}}},"required":["transforms"]}"#
    }

    static var sceneUpdate: String {
        let cube = #"{"title":"foxglove.CubePrimitive","type":"object","properties":{"pose":"# + pose + #","size":"# + vector3 + #","color":"# + color + #"},"required":["pose","size","color"]}"#
        let sphere = #"{"title":"foxglove.SpherePrimitive","type":"object","properties":{"pose":"# + pose + #","size":"# + vector3 + #","color":"# + color + #"},"required":["pose","size","color"]}"#
        let cylinder = #"{"title":"foxglove.CylinderPrimitive","type":"object","properties":{"pose":"# + pose + #","size":"# + vector3 + #","bottom_scale":{"type":"number"},"top_scale":{"type":"number"},"color":"# + color + #"},"required":["pose","size","bottom_scale","top_scale","color"]}"#
        let triangles = #"{"title":"foxglove.TriangleListPrimitive","type":"object","properties":{"pose":"# + pose + #","points":{"type":"array","items":"# + point3 + #"},"color":"# + color + #","colors":{"type":"array","items":"# + color + #"},"indices":{"type":"array","items":{"type":"integer","minimum":0}}},"required":["pose","points","color","colors","indices"]}"#
        let entity = #"{"title":"foxglove.SceneEntity","type":"object","properties":{"timestamp":"# + time + #","frame_id":{"type":"string"},"id":{"type":"string"},"lifetime":"# + duration + #","frame_locked":{"type":"boolean"},"metadata":{"type":"array","items":{"title":"foxglove.KeyValuePair","type":"object","properties":{"key":{"type":"string"},"value":{"type":"string"}},"required":["key","value"]}},"arrows":{"type":"array"},"cubes":{"type":"array","items":"# + cube + #"},"spheres":{"type":"array","items":"# + sphere + #"},"cylinders":{"type":"array","items":"# + cylinder + #"},"lines":{"type":"array"},"triangles":{"type":"array","items":"# + triangles + #"},"texts":{"type":"array"},"models":{"type":"array"}},"required":["timestamp","frame_id","id","lifetime","frame_locked","metadata","arrows","cubes","spheres","cylinders","lines","triangles","texts","models"]}"#
        let deletion = #"{"title":"foxglove.SceneEntityDeletion","type":"object","properties":{"timestamp":"# + time + #","type":{"type":"integer","enum":[0,1]},"id":{"type":"string"}},"required":["timestamp","type","id"]}"#
        return #"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"foxglove.SceneUpdate","description":"An update to the entities displayed in a 3D scene (Embody: the robot's and objects' visual shapes)","type":"object","properties":{"deletions":{"type":"array","items":"# + deletion + #"},"entities":{"type":"array","items":"# + entity + #"}},"required":["deletions","entities"]}"#
    }

    static var jointStates: String {
        let numbers = #"{"type":"array","items":{"type":["number","null"]}}"#
        return #"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"embody.JointStates","description":"Joint coordinates in the model's joint order: position (rad or m), velocity (rad/s or m/s), effort applied and commanded (N·m or N), and the controller's reference q* and q̇* when the log holds them","type":"object","properties":{"timestamp":"# + time + #","name":{"type":"array","items":{"type":"string"}},"position":"# + numbers + #","velocity":"# + numbers + #","effort":"# + numbers + #","effort_commanded":"# + numbers + #","position_reference":"# + numbers + #","velocity_reference":"# + numbers + #"},"required":["timestamp","name","position","velocity","effort","effort_commanded"],"additionalProperties":false}"#
    }

    static var channels: String {
        #"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"embody.Channels","description":"Sensor readings (sensor.*), their true values (true.*) and the estimate (est.*) by log channel name; units as in docs/log-format.md; null when not finite","type":"object","properties":{"timestamp":"# + time + #","values":{"type":"object","additionalProperties":{"type":["number","null"]}}},"required":["timestamp","values"]}"#
    }

    static var event: String {
        #"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"embody.Event","description":"A logged event: a disturbance starting or ending, a fall, a criterion met or failed","type":"object","properties":{"timestamp":"# + time + #","kind":{"type":"string"},"code":{"type":"integer"},"value":{"type":["number","null"]}},"required":["timestamp","kind","code","value"],"additionalProperties":false}"#
    }

    static var runResult: String {
        #"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"embody.RunResult","description":"How the run ended: outcome (success, criteria failed, fell, diverged, incomplete), each criterion, and the final state hash","type":"object","properties":{"timestamp":"# + time + #","scenario":{"type":"string"},"seed":{"type":"string"},"outcome":{"type":"string","enum":["success","criteria failed","fell","diverged","incomplete"]},"state_hash":{"type":"string","pattern":"^[0-9a-f]{16}$"},"criteria":{"type":"array","items":{"type":"object","properties":{"metric":{"type":"string"},"value":{"type":["number","null"]},"passed":{"type":"boolean"}},"required":["metric","value","passed"]}}},"required":["timestamp","scenario","seed","outcome","state_hash","criteria"],"additionalProperties":false}"#
    }
}
