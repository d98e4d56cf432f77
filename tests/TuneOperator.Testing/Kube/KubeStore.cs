using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Kube;

/// <summary>
/// The object store behind the fake: every write takes one lock, bumps the global resourceVersion, lands in a bounded
/// history window and is fanned out to open watches. Objects are kept as compact UTF-8 JSON.
/// </summary>
internal sealed class KubeStore
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const string ForegroundFinalizer = "foregroundDeletion";
    private const string OrphanFinalizer = "orphan";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, StoredObject>> _collections = [];
    private readonly Dictionary<string, StoredObject> _byUid = [];
    private readonly Dictionary<string, HashSet<StoredObject>> _dependents = [];
    private readonly LinkedList<WatchEvent> _history = new();
    private readonly List<Watcher> _watchers = [];
    private readonly ResourceRegistry _registry;
    private readonly KubeApiFakeOptions _options;
    private readonly Random _random;
    private long _resourceVersion;
    private long _compactedRevision;
    private int _historyLimit;

    public KubeStore(ResourceRegistry registry, KubeApiFakeOptions options)
    {
        _registry = registry;
        _options = options;
        _random = new Random(options.Seed);
        _resourceVersion = options.InitialResourceVersion;
        _compactedRevision = _resourceVersion;
        _historyLimit = options.HistoryLimit;
        foreach (var ns in options.InitialNamespaces)
        {
            Create(ResourceRegistry.Namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, dryRun: false);
        }
    }

    /// <summary>Called under the lock with a CRD and the new/old objects of one of its resources.</summary>
    public CustomResourceValidator? Validator { get; set; }

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public int HistoryLimit
    {
        get
        {
            lock (_gate)
            {
                return _historyLimit;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            lock (_gate)
            {
                _historyLimit = value;
                TrimHistory();
            }
        }
    }

    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _collections.Values.Sum(c => c.Count);
            }
        }
    }

    /// <summary>Forgets the whole history: a watch or continue from any earlier resourceVersion now gets 410 Expired.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedRevision = _resourceVersion;
        }
    }

    public void DropWatches(bool abort)
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Abort = abort;
                watcher.Dropped.Cancel();
            }
        }
    }

    public JsonObject? Get(ResourceType type, string ns, string name)
    {
        lock (_gate)
        {
            return Find(type, ns, name) is { } stored ? Read(stored, type) : null;
        }
    }

    public JsonObject GetOrThrow(ResourceType type, string ns, string name) =>
        Get(type, ns, name) ?? throw KubeApiException.NotFound(type, name);

    /// <summary>Lists matching objects in key order (namespace, then name), as raw JSON, with paging.</summary>
    public ListResult List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, int limit, string? continueToken)
    {
        lock (_gate)
        {
            var start = "";
            if (!string.IsNullOrEmpty(continueToken))
            {
                var (tokenRevision, after) = DecodeContinue(continueToken);
                if (tokenRevision < _compactedRevision)
                {
                    throw new KubeApiException(410, "Expired",
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                }

                start = after;
            }

            var items = new List<byte[]>();
            string? next = null;
            var lastKey = "";
            var remaining = 0L;
            if (_collections.TryGetValue(type.GroupResource, out var collection))
            {
                foreach (var (key, stored) in collection)
                {
                    if (string.CompareOrdinal(key, start) <= 0 && start.Length > 0)
                    {
                        continue;
                    }

                    if ((ns is not null && stored.Namespace != ns) || !labels.Matches(stored.Labels)
                        || !fields.Matches(stored.Name, stored.Namespace, () => Parse(stored.Json)))
                    {
                        continue;
                    }

                    if (limit > 0 && items.Count == limit)
                    {
                        next ??= EncodeContinue(_resourceVersion, lastKey);
                        remaining++;
                        continue;
                    }

                    items.Add(ForVersion(stored, type));
                    lastKey = key;
                }
            }

            return new ListResult(items, _resourceVersion, next, next is null ? null : remaining);
        }
    }

    public JsonObject Create(ResourceType type, string ns, JsonObject body, bool dryRun, bool asApi = true)
    {
        lock (_gate)
        {
            var obj = (JsonObject)body.DeepClone();
            var metadata = Metadata(obj);
            if (asApi && !string.IsNullOrEmpty(metadata["resourceVersion"]?.GetValue<string>()))
            {
                throw KubeApiException.BadRequest("resourceVersion should not be set on objects to be created");
            }

            CheckNamespace(type, ns, metadata);
            var name = metadata["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                var prefix = metadata["generateName"]?.GetValue<string>();
                if (string.IsNullOrEmpty(prefix))
                {
                    throw KubeApiException.Invalid(type, "", [new("metadata.name", "Required value: name or generateName is required", "FieldValueRequired")]);
                }

                do
                {
                    name = prefix + RandomSuffix();
                }
                while (Find(type, ns, name) is not null);
            }

            if (Find(type, ns, name) is not null)
            {
                throw KubeApiException.AlreadyExists(type, name);
            }

            obj["apiVersion"] = type.ApiVersion;
            obj["kind"] = type.Kind;
            metadata["name"] = name;
            if (type.Namespaced)
            {
                metadata["namespace"] = ns;
            }
            else
            {
                metadata.Remove("namespace");
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp(_options.TimeProvider.GetUtcNow());
            metadata.Remove("deletionTimestamp");
            metadata.Remove("deletionGracePeriodSeconds");
            metadata.Remove("resourceVersion");
            metadata.Remove("managedFields");
            metadata.Remove("selfLink");
            if (TracksGeneration(type))
            {
                metadata["generation"] = 1;
            }
            else
            {
                metadata.Remove("generation");
            }

            if (asApi || obj["status"] is null)
            {
                PrepareCreate(type, obj);
            }

            if (asApi)
            {
                Validate(type, name, obj, null);
            }

            List<ResourceType>? crdTypes = null;
            if (type == ResourceRegistry.CustomResourceDefinitions)
            {
                crdTypes = [.. ResourceRegistry.Describe(obj)];
                obj["status"] = CrdStatus(obj);
            }

            if (dryRun)
            {
                return obj;
            }

            Commit(type, ns, name, obj, WatchEvent.Added, previous: null);
            if (crdTypes is not null)
            {
                _registry.Register((JsonObject)obj.DeepClone(), crdTypes);
            }

            return obj;
        }
    }

    /// <summary>PUT: replaces the object (or only its status), honouring resourceVersion preconditions and subresource rules.</summary>
    public JsonObject Update(ResourceType type, string ns, string name, JsonObject body, bool statusOnly, bool dryRun)
    {
        lock (_gate)
        {
            var stored = Find(type, ns, name) ?? throw KubeApiException.NotFound(type, name);
            var bodyMeta = Metadata(body);
            var bodyName = bodyMeta["name"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
            {
                throw KubeApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            var bodyNamespace = bodyMeta["namespace"]?.GetValue<string>();
            if (type.Namespaced && !string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
            {
                throw KubeApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            var rv = bodyMeta["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(rv) && rv != stored.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw KubeApiException.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            var uid = bodyMeta["uid"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(uid) && uid != stored.Uid)
            {
                throw KubeApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {stored.Uid}");
            }

            return Replace(stored, type, body, statusOnly, dryRun, validate: true, keepStatusRules: true);
        }
    }

    /// <summary>PATCH: applies the patch to the current object, then stores it like an update.</summary>
    public JsonObject Patch(ResourceType type, string ns, string name, Func<JsonObject, JsonNode?> patch, bool statusOnly, bool dryRun)
    {
        lock (_gate)
        {
            var stored = Find(type, ns, name) ?? throw KubeApiException.NotFound(type, name);
            var current = Read(stored, type);
            if (patch(current) is not JsonObject patched)
            {
                throw KubeApiException.BadRequest("the patch must produce an object");
            }

            var rv = Metadata(patched)["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(rv) && rv != stored.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw KubeApiException.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            return Replace(stored, type, patched, statusOnly, dryRun, validate: true, keepStatusRules: true);
        }
    }

    /// <summary>Server-side apply, simplified: creates the object when absent, otherwise strategic-merges the applied configuration.</summary>
    public (JsonObject Object, bool Created) Apply(ResourceType type, string ns, string name, JsonObject applied, bool statusOnly, bool dryRun)
    {
        lock (_gate)
        {
            var metadata = Metadata(applied);
            var appliedName = metadata["name"]?.GetValue<string>();
            if (appliedName is not null && appliedName != name)
            {
                throw KubeApiException.BadRequest($"the name of the object ({appliedName}) does not match the name on the URL ({name})");
            }

            if (Find(type, ns, name) is null)
            {
                if (statusOnly)
                {
                    throw KubeApiException.NotFound(type, name);
                }

                metadata["name"] = name;
                return (Create(type, ns, applied, dryRun), true);
            }

            return (Patch(type, ns, name, current => JsonPatching.StrategicMergePatch(current, applied), statusOnly, dryRun), false);
        }
    }

    /// <summary>Writes an object as a test or kubelet would: creates or replaces it including status, without preconditions or validation.</summary>
    public JsonObject Put(ResourceType type, JsonObject body)
    {
        lock (_gate)
        {
            var metadata = Metadata(body);
            var ns = type.Namespaced ? metadata["namespace"]?.GetValue<string>() ?? "default" : "";
            var name = metadata["name"]?.GetValue<string>() ?? throw new ArgumentException("Put needs metadata.name.", nameof(body));
            var stored = Find(type, ns, name);
            if (stored is null)
            {
                return Create(type, ns, body, dryRun: false, asApi: false);
            }

            return Replace(stored, type, body, statusOnly: false, dryRun: false, validate: false, keepStatusRules: false);
        }
    }

    /// <summary>DELETE of one object, with finalizers, graceful Pod termination and propagation policies.</summary>
    public JsonObject Delete(ResourceType type, string ns, string name, DeleteOptions options, bool dryRun)
    {
        lock (_gate)
        {
            var stored = Find(type, ns, name) ?? throw KubeApiException.NotFound(type, name);
            if (options.Uid is not null && options.Uid != stored.Uid)
            {
                throw KubeApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {options.Uid}, UID in object meta: {stored.Uid}");
            }

            if (options.ResourceVersion is not null && options.ResourceVersion != stored.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw KubeApiException.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            var obj = Read(stored, type);
            return dryRun ? obj : DeleteStored(stored, obj, options);
        }
    }

    /// <summary>DELETE of a collection: deletes every matching object.</summary>
    public List<JsonObject> DeleteCollection(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, DeleteOptions options, bool dryRun)
    {
        lock (_gate)
        {
            var result = new List<JsonObject>();
            if (!_collections.TryGetValue(type.GroupResource, out var collection))
            {
                return result;
            }

            foreach (var stored in collection.Values.ToList())
            {
                if ((ns is null || stored.Namespace == ns) && labels.Matches(stored.Labels)
                    && fields.Matches(stored.Name, stored.Namespace, () => Parse(stored.Json))
                    && Find(type, stored.Namespace, stored.Name) is { } current)
                {
                    var obj = Read(current, type);
                    result.Add(dryRun ? obj : DeleteStored(current, obj, options));
                }
            }

            return result;
        }
    }

    /// <summary>Removes an object at once, ignoring finalizers, as etcd surgery would; owners' dependents are still collected.</summary>
    public bool ForceRemove(ResourceType type, string ns, string name)
    {
        lock (_gate)
        {
            if (Find(type, ns, name) is not { } stored)
            {
                return false;
            }

            RemoveStored(stored, Read(stored, type));
            return true;
        }
    }

    /// <summary>Completes a graceful Pod deletion as the kubelet does once the containers have stopped.</summary>
    public void FinishPodTermination(string ns, string name, string uid)
    {
        lock (_gate)
        {
            if (Find(ResourceRegistry.Pods, ns, name) is { } stored && stored.Uid == uid)
            {
                stored.GraceElapsed = true;
                var obj = Read(stored, ResourceRegistry.Pods);
                if (Finalizers(obj).Count == 0)
                {
                    RemoveStored(stored, obj);
                }
            }
        }
    }

    /// <summary>Opens a watch: replays history after <paramref name="resourceVersion"/> (or the current state as ADDED) and subscribes.</summary>
    public Watcher Watch(ResourceType type, string? ns, string? resourceVersion, bool sendInitialEvents, out long startRevision)
    {
        lock (_gate)
        {
            var watcher = new Watcher(type, ns);
            startRevision = _resourceVersion;
            var replayFromState = string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0" || sendInitialEvents;
            if (replayFromState)
            {
                if (_collections.TryGetValue(type.GroupResource, out var collection))
                {
                    foreach (var stored in collection.Values)
                    {
                        if (ns is null || stored.Namespace == ns)
                        {
                            watcher.Events.Writer.TryWrite(new WatchEvent(stored.ResourceVersion, WatchEvent.Added, type.GroupResource, stored.Namespace,
                                stored.Name, ForVersion(stored, type), stored.Labels, null, null));
                        }
                    }
                }
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw KubeApiException.BadRequest($"invalid resourceVersion \"{resourceVersion}\": must be a number");
                }

                if (from < _compactedRevision)
                {
                    throw new KubeApiException(410, "Expired", $"too old resource version: {from} ({_compactedRevision})");
                }

                foreach (var change in _history)
                {
                    if (change.ResourceVersion > from && watcher.Wants(change.GroupResource, change.Namespace))
                    {
                        watcher.Events.Writer.TryWrite(change);
                    }
                }
            }

            _watchers.Add(watcher);
            return watcher;
        }
    }

    /// <summary>Queues a bookmark at the current resourceVersion behind every event already queued for the watcher.</summary>
    public void QueueBookmark(Watcher watcher, bool initialEventsEnd)
    {
        lock (_gate)
        {
            var bookmark = new JsonObject
            {
                ["kind"] = watcher.Type.Kind,
                ["apiVersion"] = watcher.Type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
            };
            if (initialEventsEnd)
            {
                bookmark["metadata"]!["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
            }

            watcher.Events.Writer.TryWrite(new WatchEvent(_resourceVersion, WatchEvent.Bookmark, watcher.Type.GroupResource, "", "",
                ToBytes(bookmark), null, null, null));
        }
    }

    public void Unwatch(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
            watcher.Events.Writer.TryComplete();
        }
    }

    internal static JsonObject Parse(byte[] json) => JsonNode.Parse(json)!.AsObject();

    internal static byte[] ToBytes(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        metadata = [];
        obj["metadata"] = metadata;
        return metadata;
    }

    private static List<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray list ? [.. list.Select(f => f?.GetValue<string>() ?? "")] : [];

    private static bool TracksGeneration(ResourceType type) => type.HasStatusSubresource || type.Group.Contains('.', StringComparison.Ordinal);

    private static JsonObject WithoutMetadataAndStatus(JsonObject obj, bool includeStatus)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key is "metadata" or "apiVersion" or "kind" || (key == "status" && !includeStatus))
            {
                continue;
            }

            copy[key] = value?.DeepClone();
        }

        return copy;
    }

    private static void PrepareCreate(ResourceType type, JsonObject obj)
    {
        if (type.HasStatusSubresource)
        {
            obj.Remove("status");
        }

        if (type == ResourceRegistry.Pods)
        {
            obj["status"] = new JsonObject { ["phase"] = "Pending" };
        }
        else if (type == ResourceRegistry.Namespaces)
        {
            obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }
    }

    private static JsonObject CrdStatus(JsonObject crd)
    {
        var names = crd["spec"]?["names"]?.DeepClone() ?? new JsonObject();
        var versions = new JsonArray();
        foreach (var version in (crd["spec"]?["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (version["storage"]?.GetValue<bool>() == true)
            {
                versions.Add(version["name"]?.DeepClone());
            }
        }

        return new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["reason"] = "NoConflicts" },
                new JsonObject { ["type"] = "Established", ["status"] = "True", ["reason"] = "InitialNamesAccepted" }),
            ["storedVersions"] = versions,
        };
    }

    private static string EncodeContinue(long revision, string key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(revision.ToString(CultureInfo.InvariantCulture) + "|" + key));

    private static (long Revision, string Key) DecodeContinue(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return (long.Parse(text[..bar], CultureInfo.InvariantCulture), text[(bar + 1)..]);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or OverflowException)
        {
            throw KubeApiException.BadRequest($"continue key is not valid: {token}");
        }
    }

    private void CheckNamespace(ResourceType type, string ns, JsonObject metadata)
    {
        if (!type.Namespaced)
        {
            return;
        }

        var bodyNamespace = metadata["namespace"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
        {
            throw KubeApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        if (!_options.RequireNamespaces)
        {
            return;
        }

        var nsObject = Find(ResourceRegistry.Namespaces, "", ns) ?? throw KubeApiException.NotFound(ResourceRegistry.Namespaces, ns);
        if (Parse(nsObject.Json)["metadata"]?["deletionTimestamp"] is not null)
        {
            throw new KubeApiException(403, "Forbidden",
                $"{type.GroupResource} is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private void Validate(ResourceType type, string name, JsonObject obj, JsonObject? old)
    {
        if (Validator is null || _registry.CrdFor(type) is not { } crd)
        {
            return;
        }

        var errors = Validator(crd, obj, old);
        if (errors.Count > 0)
        {
            throw KubeApiException.Invalid(type, name, errors);
        }
    }

    private JsonObject Replace(StoredObject stored, ResourceType type, JsonObject body, bool statusOnly, bool dryRun, bool validate, bool keepStatusRules)
    {
        var old = Read(stored, type);
        var oldMeta = Metadata(old);
        JsonObject result;
        if (statusOnly)
        {
            result = (JsonObject)old.DeepClone();
            if (body["status"] is { } status)
            {
                result["status"] = status.DeepClone();
            }
            else
            {
                result.Remove("status");
            }
        }
        else
        {
            result = (JsonObject)body.DeepClone();
            if (keepStatusRules && type.HasStatusSubresource)
            {
                if (old["status"] is { } status)
                {
                    result["status"] = status.DeepClone();
                }
                else
                {
                    result.Remove("status");
                }
            }

            var meta = Metadata(result);
            foreach (var preserved in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace", "name", "generation" })
            {
                if (oldMeta[preserved] is { } value)
                {
                    meta[preserved] = value.DeepClone();
                }
                else
                {
                    meta.Remove(preserved);
                }
            }

            meta.Remove("managedFields");
            meta.Remove("selfLink");
            result["apiVersion"] = type.ApiVersion;
            result["kind"] = type.Kind;

            if (oldMeta["deletionTimestamp"] is not null)
            {
                var before = Finalizers(old);
                var added = Finalizers(result).Except(before).ToList();
                if (added.Count > 0)
                {
                    throw KubeApiException.Invalid(type, stored.Name,
                        [new("metadata.finalizers", $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers [{string.Join(", ", added)}]", "FieldValueForbidden")]);
                }
            }
        }

        var resultMeta = Metadata(result);
        resultMeta["resourceVersion"] = stored.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        if (TracksGeneration(type))
        {
            var includeStatus = !type.HasStatusSubresource;
            var changed = !JsonNode.DeepEquals(WithoutMetadataAndStatus(old, includeStatus), WithoutMetadataAndStatus(result, includeStatus));
            var generation = oldMeta["generation"]?.GetValue<long>() ?? 1;
            resultMeta["generation"] = changed ? generation + 1 : generation;
        }

        if (validate)
        {
            Validate(type, stored.Name, result, old);
        }

        if (JsonNode.DeepEquals(old, result) || dryRun)
        {
            return result;
        }

        if (type == ResourceRegistry.CustomResourceDefinitions)
        {
            var crdTypes = ResourceRegistry.Describe(result);
            result["status"] = CrdStatus(result);
            _registry.Register((JsonObject)result.DeepClone(), crdTypes);
        }

        if (type == ResourceRegistry.Namespaces)
        {
            Commit(type, "", stored.Name, result, WatchEvent.Modified, stored);
            FinishNamespaceIfEmpty(stored.Name);
            return result;
        }

        if (resultMeta["deletionTimestamp"] is not null && Finalizers(result).Count == 0 && (type != ResourceRegistry.Pods || stored.GraceElapsed || !IsGracefulPod(old)))
        {
            RemoveStored(stored, result);
            return result;
        }

        var graceElapsed = stored.GraceElapsed;
        var updated = Commit(type, stored.Namespace, stored.Name, result, WatchEvent.Modified, stored);
        updated.GraceElapsed = graceElapsed;
        return result;
    }

    private bool IsGracefulPod(JsonObject pod) => (pod["metadata"]?["deletionGracePeriodSeconds"]?.GetValue<long>() ?? 0) > 0;

    private JsonObject DeleteStored(StoredObject stored, JsonObject obj, DeleteOptions options)
    {
        var type = stored.Type;
        var meta = Metadata(obj);
        var policy = options.PropagationPolicy ?? (Finalizers(obj).Contains(OrphanFinalizer) ? "Orphan" : "Background");
        if (policy == "Orphan")
        {
            Orphan(stored.Uid);
        }

        if (meta["deletionTimestamp"] is not null)
        {
            if (type == ResourceRegistry.Pods && options.GracePeriodSeconds == 0 && !stored.GraceElapsed)
            {
                stored.GraceElapsed = true;
                if (Finalizers(obj).Count == 0)
                {
                    RemoveStored(stored, obj);
                }
            }

            return obj;
        }

        var finalizers = Finalizers(obj);
        if (policy == "Foreground" && _dependents.TryGetValue(stored.Uid, out var dependents) && dependents.Count > 0 && !finalizers.Contains(ForegroundFinalizer))
        {
            finalizers.Add(ForegroundFinalizer);
        }

        var grace = 0L;
        if (type == ResourceRegistry.Pods && !string.IsNullOrEmpty(obj["spec"]?["nodeName"]?.GetValue<string>())
            && obj["status"]?["phase"]?.GetValue<string>() is not ("Succeeded" or "Failed"))
        {
            grace = options.GracePeriodSeconds ?? obj["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
        }

        if (type == ResourceRegistry.Namespaces)
        {
            return DeleteNamespace(stored, obj);
        }

        if (finalizers.Count == 0 && grace == 0)
        {
            RemoveStored(stored, obj);
            return obj;
        }

        var now = _options.TimeProvider.GetUtcNow();
        meta["deletionTimestamp"] = Timestamp(now.AddSeconds(grace));
        meta["deletionGracePeriodSeconds"] = grace;
        if (finalizers.Count > 0)
        {
            meta["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)JsonValue.Create(f))]);
        }

        if (meta["generation"] is not null)
        {
            meta["generation"] = meta["generation"]!.GetValue<long>() + 1;
        }

        var updated = Commit(type, stored.Namespace, stored.Name, obj, WatchEvent.Modified, stored);
        obj = Read(updated, type);
        if (grace > 0)
        {
            ScheduleTermination(updated, _options.PodTerminationDelay);
        }
        else
        {
            updated.GraceElapsed = true;
        }

        if (policy == "Foreground")
        {
            DeleteDependents(updated.Uid);
            CompleteForeground(updated.Uid);
        }

        return Find(type, stored.Namespace, stored.Name) is { } still ? Read(still, type) : obj;
    }

    /// <summary>Namespace deletion: the namespace turns Terminating, its objects are deleted (finalizers honoured), and it goes when empty.</summary>
    private JsonObject DeleteNamespace(StoredObject stored, JsonObject obj)
    {
        Metadata(obj)["deletionTimestamp"] = Timestamp(_options.TimeProvider.GetUtcNow());
        Metadata(obj)["deletionGracePeriodSeconds"] = 0;
        var updated = Commit(stored.Type, "", stored.Name, obj, WatchEvent.Modified, stored);
        foreach (var collection in _collections.Values.ToList())
        {
            foreach (var member in collection.Values.Where(o => o.Type.Namespaced && o.Namespace == stored.Name).ToList())
            {
                if (Find(member.Type, member.Namespace, member.Name) is { } current && current.Uid == member.Uid)
                {
                    var memberObject = Read(current, current.Type);
                    if (memberObject["metadata"]?["deletionTimestamp"] is null)
                    {
                        DeleteStored(current, memberObject, new DeleteOptions());
                    }
                }
            }
        }

        FinishNamespaceIfEmpty(stored.Name);
        return Find(stored.Type, "", stored.Name) is { } still ? Read(still, stored.Type) : Read(updated, stored.Type);
    }

    private void ScheduleTermination(StoredObject pod, TimeSpan delay)
    {
        if (delay == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        if (delay <= TimeSpan.Zero)
        {
            pod.GraceElapsed = true;
            var obj = Read(pod, pod.Type);
            if (Finalizers(obj).Count == 0)
            {
                RemoveStored(pod, obj);
            }

            return;
        }

        var (ns, name, uid) = (pod.Namespace, pod.Name, pod.Uid);
        _ = Task.Delay(delay, _options.TimeProvider).ContinueWith(_ => FinishPodTermination(ns, name, uid), TaskScheduler.Default);
    }

    private void Orphan(string ownerUid)
    {
        if (!_dependents.TryGetValue(ownerUid, out var dependents))
        {
            return;
        }

        foreach (var dependent in dependents.ToList())
        {
            RemoveOwnerReference(dependent, ownerUid);
        }
    }

    private void RemoveOwnerReference(StoredObject dependent, string ownerUid)
    {
        if (Find(dependent.Type, dependent.Namespace, dependent.Name) is not { } current || current.Uid != dependent.Uid)
        {
            return;
        }

        var obj = Read(current, current.Type);
        if (obj["metadata"]?["ownerReferences"] is JsonArray refs)
        {
            var kept = refs.Where(r => r?["uid"]?.GetValue<string>() != ownerUid).Select(r => r!.DeepClone()).ToArray();
            if (kept.Length == 0)
            {
                Metadata(obj).Remove("ownerReferences");
            }
            else
            {
                Metadata(obj)["ownerReferences"] = new JsonArray(kept);
            }

            Commit(current.Type, current.Namespace, current.Name, obj, WatchEvent.Modified, current);
        }
    }

    private void DeleteDependents(string ownerUid)
    {
        if (!_dependents.TryGetValue(ownerUid, out var dependents))
        {
            return;
        }

        foreach (var dependent in dependents.ToList())
        {
            if (Find(dependent.Type, dependent.Namespace, dependent.Name) is { } current && current.Uid == dependent.Uid)
            {
                var obj = Read(current, current.Type);
                if (obj["metadata"]?["deletionTimestamp"] is null)
                {
                    DeleteStored(current, obj, new DeleteOptions());
                }
            }
        }
    }

    /// <summary>Garbage collection after an owner went away: dependents with no remaining live owner are deleted (background), others lose the dangling reference.</summary>
    private void CollectDependents(string ownerUid)
    {
        if (!_dependents.TryGetValue(ownerUid, out var dependents))
        {
            return;
        }

        foreach (var dependent in dependents.ToList())
        {
            if (Find(dependent.Type, dependent.Namespace, dependent.Name) is not { } current || current.Uid != dependent.Uid)
            {
                continue;
            }

            var liveOwners = current.OwnerUids?.Count(uid => uid != ownerUid && _byUid.ContainsKey(uid)) ?? 0;
            if (liveOwners > 0)
            {
                RemoveOwnerReference(current, ownerUid);
            }
            else
            {
                var obj = Read(current, current.Type);
                if (obj["metadata"]?["deletionTimestamp"] is null)
                {
                    DeleteStored(current, obj, new DeleteOptions());
                }
            }
        }
    }

    private void CompleteForeground(string ownerUid)
    {
        if (!_byUid.TryGetValue(ownerUid, out var owner) || (_dependents.TryGetValue(ownerUid, out var left) && left.Count > 0))
        {
            return;
        }

        var obj = Read(owner, owner.Type);
        var finalizers = Finalizers(obj);
        if (!finalizers.Remove(ForegroundFinalizer))
        {
            return;
        }

        if (finalizers.Count == 0)
        {
            Metadata(obj).Remove("finalizers");
            if (owner.GraceElapsed || owner.Type != ResourceRegistry.Pods)
            {
                RemoveStored(owner, obj);
                return;
            }
        }
        else
        {
            Metadata(obj)["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)JsonValue.Create(f))]);
        }

        var graceElapsed = owner.GraceElapsed;
        Commit(owner.Type, owner.Namespace, owner.Name, obj, WatchEvent.Modified, owner).GraceElapsed = graceElapsed;
    }

    private void RemoveStored(StoredObject stored, JsonObject obj)
    {
        if (Find(stored.Type, stored.Namespace, stored.Name) is not { } current || current.Uid != stored.Uid)
        {
            return;
        }

        Commit(stored.Type, stored.Namespace, stored.Name, obj, WatchEvent.Deleted, current);
        if (stored.Type == ResourceRegistry.CustomResourceDefinitions)
        {
            var types = ResourceRegistry.Describe(obj);
            if (types.Count > 0)
            {
                _registry.Unregister(types[0].GroupResource);
                if (_collections.TryGetValue(types[0].GroupResource, out var instances))
                {
                    foreach (var instance in instances.Values.ToList())
                    {
                        RemoveStored(instance, Read(instance, instance.Type));
                    }
                }
            }
        }

        CollectDependents(stored.Uid);
        foreach (var owner in stored.OwnerUids ?? [])
        {
            CompleteForeground(owner);
        }

        if (stored.Type.Namespaced)
        {
            FinishNamespaceIfEmpty(stored.Namespace);
        }
        else if (stored.Type == ResourceRegistry.Namespaces)
        {
            foreach (var collection in _collections.Values)
            {
                foreach (var orphan in collection.Values.Where(o => o.Type.Namespaced && o.Namespace == stored.Name).ToList())
                {
                    RemoveStored(orphan, Read(orphan, orphan.Type));
                }
            }
        }
    }

    /// <summary>Namespace deletion: once every object in a terminating namespace is gone, the namespace goes too.</summary>
    private void FinishNamespaceIfEmpty(string ns)
    {
        if (Find(ResourceRegistry.Namespaces, "", ns) is not { } nsObject)
        {
            return;
        }

        var obj = Read(nsObject, ResourceRegistry.Namespaces);
        if (obj["metadata"]?["deletionTimestamp"] is null)
        {
            return;
        }

        if (_collections.Values.Any(c => c.Values.Any(o => o.Type.Namespaced && o.Namespace == ns)))
        {
            return;
        }

        if (Finalizers(obj).Count == 0)
        {
            RemoveStored(nsObject, obj);
        }
    }

    /// <summary>Commits one change: new resourceVersion, indexes, history and watchers. Returns the stored record (null fields on delete).</summary>
    private StoredObject Commit(ResourceType type, string ns, string name, JsonObject obj, string eventType, StoredObject? previous)
    {
        var revision = ++_resourceVersion;
        var meta = Metadata(obj);
        meta["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        if (type == ResourceRegistry.Namespaces && eventType == WatchEvent.Modified && meta["deletionTimestamp"] is not null)
        {
            obj["status"] = new JsonObject { ["phase"] = "Terminating" };
        }

        var json = ToBytes(obj);
        var labels = meta["labels"] is JsonObject labelObject && labelObject.Count > 0
            ? labelObject.ToDictionary(l => l.Key, l => l.Value?.GetValue<string>() ?? "", StringComparer.Ordinal)
            : null;
        var owners = meta["ownerReferences"] is JsonArray refs && refs.Count > 0
            ? refs.Select(r => r?["uid"]?.GetValue<string>() ?? "").ToArray()
            : null;
        var uid = meta["uid"]?.GetValue<string>() ?? previous?.Uid ?? "";
        var stored = new StoredObject(type, type.Namespaced ? ns : "", name, uid, revision, json, labels, owners);

        if (!_collections.TryGetValue(type.GroupResource, out var collection))
        {
            collection = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
            _collections[type.GroupResource] = collection;
        }

        if (previous is not null)
        {
            Unindex(previous);
        }

        if (eventType == WatchEvent.Deleted)
        {
            collection.Remove(stored.Key);
        }
        else
        {
            collection[stored.Key] = stored;
            _byUid[uid] = stored;
            foreach (var owner in owners ?? [])
            {
                if (!_dependents.TryGetValue(owner, out var set))
                {
                    set = [];
                    _dependents[owner] = set;
                }

                set.Add(stored);
            }
        }

        var change = new WatchEvent(revision, eventType, type.GroupResource, stored.Namespace, name, json, labels,
            previous?.Json, previous?.Labels);
        _history.AddLast(change);
        TrimHistory();
        foreach (var watcher in _watchers)
        {
            if (watcher.Wants(change.GroupResource, change.Namespace))
            {
                watcher.Events.Writer.TryWrite(change);
            }
        }

        return stored;
    }

    private void Unindex(StoredObject previous)
    {
        _byUid.Remove(previous.Uid);
        foreach (var owner in previous.OwnerUids ?? [])
        {
            if (_dependents.TryGetValue(owner, out var set))
            {
                set.Remove(previous);
                if (set.Count == 0)
                {
                    _dependents.Remove(owner);
                }
            }
        }
    }

    private void TrimHistory()
    {
        while (_history.Count > _historyLimit)
        {
            _compactedRevision = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }
    }

    private StoredObject? Find(ResourceType type, string ns, string name) =>
        _collections.TryGetValue(type.GroupResource, out var collection)
            ? collection.GetValueOrDefault(StoredObject.StoreKey(type.Namespaced ? ns : "", name))
            : null;

    private JsonObject Read(StoredObject stored, ResourceType type)
    {
        var obj = Parse(stored.Json);
        if (obj["apiVersion"]?.GetValue<string>() != type.ApiVersion)
        {
            obj["apiVersion"] = type.ApiVersion;
        }

        return obj;
    }

    private byte[] ForVersion(StoredObject stored, ResourceType type) =>
        type.Version == stored.Type.Version ? stored.Json : ToBytes(Read(stored, type));

    private string RandomSuffix()
    {
        Span<char> chars = stackalloc char[5];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = NameAlphabet[_random.Next(NameAlphabet.Length)];
        }

        return new string(chars);
    }
}
