using System.Globalization;
using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Kube;

/// <summary>The patch formats the fake applies: JSON merge patch, JSON patch and a simplified strategic merge patch.</summary>
public static class JsonPatching
{
    /// <summary>
    /// List fields that strategic merge patch merges by a key instead of replacing, keyed by field name.
    /// This covers the kinds the operator uses (Pods, Deployments, Services, conditions, owner references).
    /// </summary>
    private static readonly Dictionary<string, string> MergeKeys = new()
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["imagePullSecrets"] = "name",
        ["ports"] = "containerPort",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["tolerations"] = "key",
        ["hostAliases"] = "ip",
        ["containerStatuses"] = "name",
        ["initContainerStatuses"] = "name",
        ["topologySpreadConstraints"] = "topologyKey",
    };

    /// <summary>Set-like primitive lists that strategic merge patch unions instead of replacing.</summary>
    private static readonly HashSet<string> MergedPrimitiveLists = ["finalizers"];

    /// <summary>Applies an RFC 7386 JSON merge patch: objects merge, null deletes, everything else replaces.</summary>
    /// <param name="target">The document; not modified.</param>
    /// <param name="patch">The patch.</param>
    /// <returns>The patched document.</returns>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = MergePatch(result[key], value);
            }
        }

        return result;
    }

    /// <summary>
    /// Applies a strategic merge patch, simplified: like a merge patch, except that the list fields named in
    /// <see cref="MergeKeys"/> merge element-wise by their key (an element with <c>"$patch": "delete"</c> is removed),
    /// <c>finalizers</c> is unioned, and an object with <c>"$patch": "replace"</c> replaces instead of merging.
    /// Other <c>$</c> directives (<c>$retainKeys</c>, <c>$deleteFromPrimitiveList</c>, <c>$setElementOrder</c>) are ignored.
    /// </summary>
    /// <param name="target">The document; not modified.</param>
    /// <param name="patch">The patch.</param>
    /// <returns>The patched document.</returns>
    public static JsonNode? StrategicMergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if (patchObject["$patch"] is JsonValue directive && directive.GetValue<string>() == "replace")
        {
            var replaced = (JsonObject)patchObject.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }

        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray patchList && MergeKeys.TryGetValue(key, out var mergeKey) && result[key] is JsonArray current)
            {
                result[key] = MergeList(current, patchList, mergeKey);
            }
            else if (value is JsonArray primitives && MergedPrimitiveLists.Contains(key) && result[key] is JsonArray existing)
            {
                var union = (JsonArray)existing.DeepClone();
                foreach (var item in primitives)
                {
                    if (!union.Any(u => JsonNode.DeepEquals(u, item)))
                    {
                        union.Add(item?.DeepClone());
                    }
                }

                result[key] = union;
            }
            else if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                continue;
            }
            else
            {
                result[key] = StrategicMergePatch(result[key], value);
            }
        }

        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) && value is JsonArray removals
                && result[key["$deleteFromPrimitiveList/".Length..]] is JsonArray list)
            {
                foreach (var removal in removals)
                {
                    var index = list.ToList().FindIndex(item => JsonNode.DeepEquals(item, removal));
                    if (index >= 0)
                    {
                        list.RemoveAt(index);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test).</summary>
    /// <param name="target">The document; not modified.</param>
    /// <param name="operations">The array of operations.</param>
    /// <returns>The patched document.</returns>
    /// <exception cref="KubeApiException">A malformed operation (400), or a failed <c>test</c> or missing path (422).</exception>
    public static JsonNode? JsonPatch(JsonNode? target, JsonNode? operations)
    {
        if (operations is not JsonArray ops)
        {
            throw KubeApiException.BadRequest("json patch must be an array of operations");
        }

        var root = target?.DeepClone();
        for (var i = 0; i < ops.Count; i++)
        {
            if (ops[i] is not JsonObject op || op["op"]?.GetValue<string>() is not { } kind || op["path"]?.GetValue<string>() is not { } path)
            {
                throw KubeApiException.BadRequest($"json patch operation {i} needs 'op' and 'path'");
            }

            switch (kind)
            {
                case "add":
                    root = Add(root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    root = Remove(root, path, out _);
                    break;
                case "replace":
                    root = Remove(root, path, out _);
                    root = Add(root, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        var from = op["from"]?.GetValue<string>() ?? throw KubeApiException.BadRequest($"json patch operation {i} (move) needs 'from'");
                        root = Remove(root, from, out var moved);
                        root = Add(root, path, moved);
                        break;
                    }

                case "copy":
                    {
                        var from = op["from"]?.GetValue<string>() ?? throw KubeApiException.BadRequest($"json patch operation {i} (copy) needs 'from'");
                        root = Add(root, path, Get(root, from)?.DeepClone());
                        break;
                    }

                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), op["value"]))
                    {
                        throw new KubeApiException(422, "Invalid", $"the server rejected our request due to an error in our request: test failed at {path}");
                    }

                    break;
                default:
                    throw KubeApiException.BadRequest($"json patch operation {i}: unknown op '{kind}'");
            }
        }

        return root;
    }

    private static JsonArray MergeList(JsonArray current, JsonArray patch, string mergeKey)
    {
        var result = (JsonArray)current.DeepClone();
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem || patchItem[mergeKey] is not { } keyValue)
            {
                result.Add(item?.DeepClone());
                continue;
            }

            var index = result.ToList().FindIndex(e => e is JsonObject o && JsonNode.DeepEquals(o[mergeKey], keyValue));
            var delete = patchItem["$patch"] is JsonValue d && d.GetValue<string>() == "delete";
            if (index < 0)
            {
                if (!delete)
                {
                    result.Add(StrategicMergePatch(null, patchItem));
                }
            }
            else if (delete)
            {
                result.RemoveAt(index);
            }
            else
            {
                result[index] = StrategicMergePatch(result[index], patchItem);
            }
        }

        return result;
    }

    private static string[] Pointer(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (!path.StartsWith('/'))
        {
            throw KubeApiException.BadRequest($"json patch path '{path}' must start with '/'");
        }

        return [.. path[1..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static JsonNode? Get(JsonNode? root, string path)
    {
        var node = root;
        foreach (var segment in Pointer(path))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(segment, out var child) => child,
                JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw Missing(path),
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? root, string path, JsonNode? value)
    {
        var segments = Pointer(path);
        if (segments.Length == 0)
        {
            return value;
        }

        var parent = Get(root, ParentPath(segments));
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw Missing(path);
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode? root, string path, out JsonNode? removed)
    {
        var segments = Pointer(path);
        if (segments.Length == 0)
        {
            removed = root;
            return null;
        }

        var parent = Get(root, ParentPath(segments));
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var child):
                removed = child;
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw Missing(path);
        }

        return root;
    }

    private static string ParentPath(string[] segments) =>
        segments.Length == 1 ? "" : "/" + string.Join('/', segments[..^1].Select(Escape));

    private static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static KubeApiException Missing(string path) =>
        new(422, "Invalid", $"the server rejected our request due to an error in our request: path {path} does not exist");
}
