// cassimp.cpp: cassimp.h over Assimp 5.2. Imports a file, walks its node tree applying each node's
// transform to its meshes, and keeps plain arrays; the Assimp scene is freed before emba_scene_load returns.

#include "cassimp.h"

#include <assimp/Importer.hpp>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <assimp/config.h>

#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct emba_mesh {
    std::string name;
    std::vector<double> vertices;   // x y z per vertex, metres
    std::vector<int32_t> triangles;  // 3 indices per triangle
};

struct emba_scene {
    std::vector<emba_mesh> meshes;
};

namespace {

void writeError(char* err, int size, const char* format, ...) {
    if (!err || size <= 0) return;
    va_list args;
    va_start(args, format);
    std::vsnprintf(err, static_cast<size_t>(size), format, args);
    va_end(args);
}

bool endsWithDae(const char* path) {
    size_t n = std::strlen(path);
    if (n < 4) return false;
    const char* e = path + n - 4;
    return e[0] == '.' && std::tolower(e[1]) == 'd' && std::tolower(e[2]) == 'a' && std::tolower(e[3]) == 'e';
}

/// Appends every mesh below `node`, with `parent` × node transform applied to its vertices.
void collect(const aiScene* s, const aiNode* node, const aiMatrix4x4& parent, std::vector<emba_mesh>& out) {
    aiMatrix4x4 m = parent * node->mTransformation;
    for (unsigned k = 0; k < node->mNumMeshes; ++k) {
        const aiMesh* mesh = s->mMeshes[node->mMeshes[k]];
        if (!mesh || mesh->mNumVertices == 0) continue;
        emba_mesh e;
        e.name = node->mName.length > 0 ? node->mName.C_Str() : mesh->mName.C_Str();
        e.vertices.reserve(3 * static_cast<size_t>(mesh->mNumVertices));
        for (unsigned i = 0; i < mesh->mNumVertices; ++i) {
            aiVector3D v = m * mesh->mVertices[i];
            e.vertices.push_back(v.x);
            e.vertices.push_back(v.y);
            e.vertices.push_back(v.z);
        }
        for (unsigned f = 0; f < mesh->mNumFaces; ++f) {
            const aiFace& face = mesh->mFaces[f];
            if (face.mNumIndices != 3) continue;
            for (int i = 0; i < 3; ++i) e.triangles.push_back(static_cast<int32_t>(face.mIndices[i]));
        }
        out.push_back(std::move(e));
    }
    for (unsigned c = 0; c < node->mNumChildren; ++c) collect(s, node->mChildren[c], m, out);
}

}  // namespace

extern "C" emba_status emba_scene_load(const char* path, emba_scene** out, char* err, int errSize) {
    if (!out) { writeError(err, errSize, "output pointer is null"); return EMBA_ERR_ARGUMENT; }
    *out = nullptr;
    if (!path) { writeError(err, errSize, "path is null"); return EMBA_ERR_ARGUMENT; }
    try {
        Assimp::Importer importer;
        // Keep COLLADA's up-axis conversion (Assimp turns every file Y-up) and undo it below, so that Z_UP
        // files keep their own coordinates and Y_UP files are turned Z-up, as PyBullet and ROS show them.
        importer.SetPropertyBool(AI_CONFIG_IMPORT_COLLADA_IGNORE_UP_DIRECTION, false);
        importer.SetPropertyInteger(AI_CONFIG_PP_SBP_REMOVE, 0);
        const aiScene* s = importer.ReadFile(path, aiProcess_Triangulate);
        if (!s) {
            writeError(err, errSize, "%s", importer.GetErrorString());
            return EMBA_ERR_READ;
        }
        if (!s->mRootNode) {
            writeError(err, errSize, "the file holds no scene");
            return EMBA_ERR_READ;
        }
        aiMatrix4x4 root;  // identity
        if (endsWithDae(path)) {
            // Assimp's COLLADA reader leaves a Y-up scene; +90° about x turns Y-up into Z-up (y → z, z → −y).
            root = aiMatrix4x4(1, 0, 0, 0,
                               0, 0, -1, 0,
                               0, 1, 0, 0,
                               0, 0, 0, 1);
        }
        auto scene = new emba_scene();
        collect(s, s->mRootNode, root, scene->meshes);
        if (scene->meshes.empty()) {
            delete scene;
            writeError(err, errSize, "the file holds no mesh with vertices");
            return EMBA_ERR_READ;
        }
        *out = scene;
        return EMBA_OK;
    } catch (const std::exception& e) {
        writeError(err, errSize, "Assimp failed: %s", e.what());
        return EMBA_ERR_INTERNAL;
    } catch (...) {
        writeError(err, errSize, "Assimp failed with an unknown exception");
        return EMBA_ERR_INTERNAL;
    }
}

extern "C" void emba_scene_destroy(emba_scene* scene) { delete scene; }

extern "C" int emba_scene_mesh_count(const emba_scene* scene) {
    return scene ? static_cast<int>(scene->meshes.size()) : 0;
}

static const emba_mesh* meshAt(const emba_scene* scene, int mesh) {
    if (!scene || mesh < 0 || static_cast<size_t>(mesh) >= scene->meshes.size()) return nullptr;
    return &scene->meshes[static_cast<size_t>(mesh)];
}

extern "C" int emba_mesh_vertex_count(const emba_scene* scene, int mesh) {
    const emba_mesh* m = meshAt(scene, mesh);
    return m ? static_cast<int>(m->vertices.size() / 3) : -1;
}

extern "C" int emba_mesh_triangle_count(const emba_scene* scene, int mesh) {
    const emba_mesh* m = meshAt(scene, mesh);
    return m ? static_cast<int>(m->triangles.size() / 3) : -1;
}

extern "C" emba_status emba_mesh_vertices(const emba_scene* scene, int mesh, double* out, int capacity) {
    const emba_mesh* m = meshAt(scene, mesh);
    if (!m || !out) return EMBA_ERR_ARGUMENT;
    if (capacity < 0 || static_cast<size_t>(capacity) < m->vertices.size()) return EMBA_ERR_CAPACITY;
    std::memcpy(out, m->vertices.data(), m->vertices.size() * sizeof(double));
    return EMBA_OK;
}

extern "C" emba_status emba_mesh_triangles(const emba_scene* scene, int mesh, int32_t* out, int capacity) {
    const emba_mesh* m = meshAt(scene, mesh);
    if (!m || !out) return EMBA_ERR_ARGUMENT;
    if (capacity < 0 || static_cast<size_t>(capacity) < m->triangles.size()) return EMBA_ERR_CAPACITY;
    if (!m->triangles.empty()) std::memcpy(out, m->triangles.data(), m->triangles.size() * sizeof(int32_t));
    return EMBA_OK;
}

extern "C" const char* emba_mesh_name(const emba_scene* scene, int mesh) {
    const emba_mesh* m = meshAt(scene, mesh);
    return m ? m->name.c_str() : "";
}
