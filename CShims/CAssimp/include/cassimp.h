// cassimp.h: the C API over Assimp 5.2 that EmbodyModel's mesh loading uses, and nothing else.
//
// Why this shim exists: Assimp is C++ with its own scene types, node hierarchy and conventions (Y up,
// exceptions from its importers). EmbodyModel needs only flat triangle meshes in metres with Z up, so
// this shim imports a file, applies every node transform, COLLADA's <unit> and up axis, and hands back
// plain double and int arrays. No Assimp type crosses this header. Conventions, as in cbullet.h:
//   - Every symbol starts with `emba_`. The scene handle is opaque; emba_scene_load has emba_scene_destroy.
//   - Units: metres (COLLADA's <unit meter=...> is applied). Frames: the file's own frame; a COLLADA file
//     that declares Y_UP or X_UP is turned Z-up (Y_UP: +90° about x, as PyBullet's COLLADA reader does).
//   - Output arrays come with an explicit capacity in elements; too small a capacity writes nothing and
//     returns EMBA_ERR_CAPACITY.
//   - Failures return a non-zero emba_status and write a NUL-terminated message to (err, err_size). No C++
//     exception crosses this boundary.
#ifndef EMBODY_CASSIMP_H
#define EMBODY_CASSIMP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The result of a call: EMBA_OK (0) or one of the errors below.
typedef int emba_status;
#define EMBA_OK 0
/// An argument was invalid (null pointer, mesh index out of range).
#define EMBA_ERR_ARGUMENT 1
/// An output array's capacity was too small.
#define EMBA_ERR_CAPACITY 2
/// Assimp could not read the file (unknown format, syntax error, no meshes); the message says why.
#define EMBA_ERR_READ 3
/// Assimp or the C++ runtime failed unexpectedly (an exception was caught).
#define EMBA_ERR_INTERNAL 4

/// An imported file: a flat list of meshes, one per (node, mesh) instance, with transforms applied.
typedef struct emba_scene emba_scene;

/// Imports the mesh file at `path` (any format Assimp 5.2 reads: COLLADA, STL, OBJ, PLY, ...).
/// On success stores a new scene in *out; on failure stores NULL and writes a message to err.
emba_status emba_scene_load(const char* path, emba_scene** out, char* err, int err_size);

/// Frees a scene (NULL is allowed).
void emba_scene_destroy(emba_scene* scene);

/// The number of meshes in the scene (at least 1 for a loaded scene).
int emba_scene_mesh_count(const emba_scene* scene);

/// The number of vertices of mesh `mesh`, or -1 for a bad index.
int emba_mesh_vertex_count(const emba_scene* scene, int mesh);

/// The number of triangles of mesh `mesh`, or -1 for a bad index (points and lines are not triangles).
int emba_mesh_triangle_count(const emba_scene* scene, int mesh);

/// Copies mesh `mesh`'s vertices, x y z in metres, 3 doubles per vertex, into `out` (capacity in doubles).
emba_status emba_mesh_vertices(const emba_scene* scene, int mesh, double* out, int capacity);

/// Copies mesh `mesh`'s triangles, 3 zero-based vertex indices each, into `out` (capacity in int32s).
emba_status emba_mesh_triangles(const emba_scene* scene, int mesh, int32_t* out, int capacity);

/// The name of mesh `mesh` (its node's name, or the mesh's own), NUL-terminated in a buffer the scene owns;
/// "" for a bad index. Valid until the scene is destroyed.
const char* emba_mesh_name(const emba_scene* scene, int mesh);

#ifdef __cplusplus
}
#endif

#endif
