using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace TuneOperator.Testing.Kube;

/// <summary>Serves the Kubernetes REST API over the store: routing, verbs, content types, watch streams, discovery.</summary>
internal sealed class KubeApiHandler(KubeStore store, ResourceRegistry registry, FaultInjector faults, RequestCounter counter, KubeApiFakeOptions options)
{
    private static readonly byte[] EventPrefix = "{\"type\":\""u8.ToArray();
    private static readonly byte[] EventMiddle = "\",\"object\":"u8.ToArray();
    private static readonly byte[] EventSuffix = "}\n"u8.ToArray();

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await RouteAsync(context);
        }
        catch (KubeApiException e)
        {
            if (!context.Response.HasStarted)
            {
                await WriteJsonAsync(context, e.Code, e.ToStatus());
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            // A body with the wrong JSON types (e.g. a number where a string belongs), as kube-apiserver's decoder rejects it.
            if (!context.Response.HasStarted)
            {
                await WriteJsonAsync(context, 400, KubeApiException.Status(400, "BadRequest", $"the request body could not be decoded: {e.Message}", null));
            }
        }
    }

    private static bool Flag(HttpRequest request, string name) =>
        request.Query[name].ToString() is "true" or "1" or "True";

    private static bool DryRun(HttpRequest request) => request.Query["dryRun"].ToString() == "All";

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(KubeStore.ToBytes(body), context.RequestAborted);
    }

    private static async Task<JsonNode?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw KubeApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken) =>
        await ReadBodyAsync(request, cancellationToken) as JsonObject
        ?? throw KubeApiException.BadRequest("the request body must be a JSON object");

    private static JsonObject NotFoundPath() =>
        KubeApiException.Status(404, "NotFound", "the server could not find the requested resource", null);

    private async Task RouteAsync(HttpContext context)
    {
        var request = context.Request;
        var segments = (request.Path.Value ?? "/").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (await TryDiscoveryAsync(context, segments))
        {
            return;
        }

        string group;
        string version;
        int restStart;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, version, restStart) = ("", segments[1], 2);
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, version, restStart) = (segments[1], segments[2], 3);
        }
        else
        {
            await WriteJsonAsync(context, 404, NotFoundPath());
            return;
        }

        var rest = segments[restStart..];
        if (rest.Length == 0)
        {
            await WriteJsonAsync(context, 404, NotFoundPath());
            return;
        }

        string? ns = null;
        ResourceType? type;
        if (rest.Length >= 3 && rest[0] == "namespaces" && registry.Find(group, version, rest[2]) is { Namespaced: true } namespacedType)
        {
            ns = rest[1];
            type = namespacedType;
            rest = rest[3..];
        }
        else
        {
            type = registry.Find(group, version, rest[0]);
            rest = rest[1..];
        }

        if (type is null || rest.Length > 2 || (rest.Length == 2 && (rest[1] != "status" || !type.HasStatusSubresource)))
        {
            await WriteJsonAsync(context, 404, NotFoundPath());
            return;
        }

        var name = rest.Length > 0 ? rest[0] : null;
        var status = rest.Length == 2;
        if (type.Namespaced && ns is null && name is not null)
        {
            await WriteJsonAsync(context, 404, NotFoundPath());
            return;
        }

        var nsKey = type.Namespaced ? ns : "";
        var verb = (request.Method, name) switch
        {
            ("GET", null) => Flag(request, "watch") ? "watch" : "list",
            ("GET", _) => "get",
            ("POST", null) => "create",
            ("PUT", not null) => "update",
            ("PATCH", not null) => "patch",
            ("DELETE", null) => "deletecollection",
            ("DELETE", not null) => "delete",
            _ => null,
        };
        if (verb is null)
        {
            await WriteJsonAsync(context, 405, KubeApiException.Status(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource", null));
            return;
        }

        counter.Record(verb, type.GroupResource);
        if (await faults.ApplyAsync(verb, type, status, context.RequestAborted) is { } fault)
        {
            throw fault;
        }

        var cancel = context.RequestAborted;
        switch (verb)
        {
            case "get":
                await WriteJsonAsync(context, 200, store.GetOrThrow(type, nsKey!, name!));
                break;
            case "list":
                await WriteListAsync(context, type, nsKey);
                break;
            case "watch":
                await WatchAsync(context, type, nsKey);
                break;
            case "create":
                {
                    var body = await ReadObjectAsync(request, cancel);
                    CheckKind(type, body);
                    var dryRun = DryRun(request);
                    var created = store.Create(type, nsKey ?? "", body, dryRun);
                    if (!dryRun)
                    {
                        counter.RecordCreated(type.GroupResource);
                    }

                    await WriteJsonAsync(context, 201, created);
                    break;
                }

            case "update":
                {
                    var body = await ReadObjectAsync(request, cancel);
                    CheckKind(type, body);
                    await WriteJsonAsync(context, 200, store.Update(type, nsKey!, name!, body, status, DryRun(request)));
                    break;
                }

            case "patch":
                await PatchAsync(context, type, nsKey!, name!, status);
                break;
            case "delete":
                {
                    var deleteOptions = await ReadDeleteOptionsAsync(request, cancel);
                    var existedBefore = store.Get(type, nsKey!, name!) is not null;
                    var result = store.Delete(type, nsKey!, name!, deleteOptions, DryRun(request));
                    var gone = existedBefore && store.Get(type, nsKey!, name!) is null;
                    await WriteJsonAsync(context, 200, gone && ReturnsStatusOnDelete(type) ? SuccessStatus(type, result) : result);
                    break;
                }

            case "deletecollection":
                {
                    var deleteOptions = await ReadDeleteOptionsAsync(request, cancel);
                    var deleted = store.DeleteCollection(type, nsKey, LabelSelector.Parse(request.Query["labelSelector"]),
                        FieldSelector.Parse(request.Query["fieldSelector"]), deleteOptions, DryRun(request));
                    var list = new JsonObject
                    {
                        ["kind"] = type.ListKind,
                        ["apiVersion"] = type.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
                        ["items"] = new JsonArray([.. deleted]),
                    };
                    await WriteJsonAsync(context, 200, list);
                    break;
                }
        }
    }

    /// <summary>kube-apiserver returns the deleted object for most kinds and a Success Status for the simple ones.</summary>
    private static bool ReturnsStatusOnDelete(ResourceType type) =>
        type.Group is "" or "coordination.k8s.io" or "events.k8s.io" && !type.HasStatusSubresource;

    private static JsonObject SuccessStatus(ResourceType type, JsonObject deleted) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject
        {
            ["name"] = deleted["metadata"]?["name"]?.DeepClone(),
            ["group"] = type.Group.Length == 0 ? null : type.Group,
            ["kind"] = type.Plural,
            ["uid"] = deleted["metadata"]?["uid"]?.DeepClone(),
        },
    };

    private static void CheckKind(ResourceType type, JsonObject body)
    {
        var kind = body["kind"]?.GetValue<string>();
        var apiVersion = body["apiVersion"]?.GetValue<string>();
        if ((kind is not null && kind != type.Kind) || (apiVersion is not null && apiVersion != type.ApiVersion))
        {
            throw KubeApiException.BadRequest(
                $"the API version in the data ({apiVersion}) and kind ({kind}) do not match the endpoint ({type.ApiVersion}, {type.Kind})");
        }
    }

    private static async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken) as JsonObject;
        var policy = body?["propagationPolicy"]?.GetValue<string>() ?? NullIfEmpty(request.Query["propagationPolicy"].ToString());
        if (body?["orphanDependents"] is JsonValue orphan && orphan.GetValue<bool>())
        {
            policy ??= "Orphan";
        }

        if (policy is not (null or "Background" or "Foreground" or "Orphan"))
        {
            throw KubeApiException.BadRequest($"propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
        }

        long? grace = body?["gracePeriodSeconds"]?.GetValue<long>();
        if (grace is null && long.TryParse(request.Query["gracePeriodSeconds"].ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var g))
        {
            grace = g;
        }

        return new DeleteOptions(policy, grace, body?["preconditions"]?["uid"]?.GetValue<string>(), body?["preconditions"]?["resourceVersion"]?.GetValue<string>());
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private async Task PatchAsync(HttpContext context, ResourceType type, string ns, string name, bool status)
    {
        var request = context.Request;
        var mediaType = (request.ContentType ?? "").Split(';')[0].Trim();
        var dryRun = DryRun(request);
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        var isCustom = registry.CrdFor(type) is not null;
        switch (mediaType)
        {
            case "application/apply-patch+yaml":
                {
                    if (string.IsNullOrEmpty(request.Query["fieldManager"]))
                    {
                        throw KubeApiException.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
                    }

                    var documents = YamlJson.ParseDocuments(text);
                    if (documents.Count != 1 || documents[0] is not JsonObject applied)
                    {
                        throw KubeApiException.BadRequest("an apply patch must be exactly one YAML or JSON object");
                    }

                    CheckKind(type, applied);
                    var (result, created) = store.Apply(type, ns, name, applied, status, dryRun);
                    await WriteJsonAsync(context, created ? 201 : 200, result);
                    return;
                }

            case "application/merge-patch+json" or "application/json-patch+json" or "application/strategic-merge-patch+json":
                {
                    if (mediaType == "application/strategic-merge-patch+json" && isCustom)
                    {
                        throw new KubeApiException(415, "UnsupportedMediaType",
                            $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
                    }

                    JsonNode? patch;
                    try
                    {
                        patch = JsonNode.Parse(text);
                    }
                    catch (JsonException e)
                    {
                        throw KubeApiException.BadRequest($"the patch is not valid JSON: {e.Message}");
                    }

                    Func<JsonObject, JsonNode?> apply = mediaType switch
                    {
                        "application/merge-patch+json" => current => JsonPatching.MergePatch(current, patch),
                        "application/json-patch+json" => current => JsonPatching.JsonPatch(current, patch),
                        _ => current => JsonPatching.StrategicMergePatch(current, patch),
                    };
                    await WriteJsonAsync(context, 200, store.Patch(type, ns, name, apply, status, dryRun));
                    return;
                }

            default:
                throw new KubeApiException(415, "UnsupportedMediaType",
                    $"the body of the request was in an unknown format ({mediaType}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                    + (isCustom ? "" : ", application/strategic-merge-patch+json"));
        }
    }

    private async Task WriteListAsync(HttpContext context, ResourceType type, string? ns)
    {
        var request = context.Request;
        var limit = 0;
        if (request.Query.TryGetValue("limit", out var limitText) && !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
        {
            throw KubeApiException.BadRequest($"limit: Invalid value: \"{limitText}\": must be a non-negative integer");
        }

        var page = store.List(type, ns, LabelSelector.Parse(request.Query["labelSelector"]), FieldSelector.Parse(request.Query["fieldSelector"]),
            limit, NullIfEmpty(request.Query["continue"].ToString()));
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", type.ListKind);
            writer.WriteString("apiVersion", type.ApiVersion);
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", page.ResourceVersion.ToString(CultureInfo.InvariantCulture));
            if (page.Continue is not null)
            {
                writer.WriteString("continue", page.Continue);
                writer.WriteNumber("remainingItemCount", page.RemainingItemCount ?? 0);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (var item in page.Items)
            {
                writer.WriteRawValue(item, skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private async Task WatchAsync(HttpContext context, ResourceType type, string? ns)
    {
        var request = context.Request;
        var labels = LabelSelector.Parse(request.Query["labelSelector"]);
        var fields = FieldSelector.Parse(request.Query["fieldSelector"]);
        var bookmarks = Flag(request, "allowWatchBookmarks");
        var sendInitialEvents = Flag(request, "sendInitialEvents");
        TimeSpan? timeout = null;
        if (long.TryParse(request.Query["timeoutSeconds"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout = TimeSpan.FromSeconds(seconds);
        }

        Watcher watcher;
        try
        {
            watcher = store.Watch(type, ns, NullIfEmpty(request.Query["resourceVersion"].ToString()), sendInitialEvents, out _);
        }
        catch (KubeApiException e) when (e.Code == 410)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await WriteEventAsync(context.Response, WatchEvent.Error, KubeStore.ToBytes(e.ToStatus()), context.RequestAborted);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, watcher.Dropped.Token);
        using var timedOut = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan, options.TimeProvider);
        using var any = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, timedOut.Token);
        Task? bookmarkLoop = null;
        try
        {
            if (sendInitialEvents && bookmarks)
            {
                store.QueueBookmark(watcher, initialEventsEnd: true);
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (bookmarks)
            {
                bookmarkLoop = BookmarkLoopAsync(watcher, any.Token);
            }

            try
            {
                await foreach (var change in watcher.Events.Reader.ReadAllAsync(any.Token))
                {
                    if (Translate(change, type, labels, fields) is { } line)
                    {
                        await WriteEventAsync(context.Response, line.Type, line.Object, any.Token);
                    }
                }
            }
            catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !stop.IsCancellationRequested && bookmarks)
            {
                store.QueueBookmark(watcher, initialEventsEnd: false);
                while (watcher.Events.Reader.TryRead(out var change))
                {
                    if (Translate(change, type, labels, fields) is { } line)
                    {
                        await WriteEventAsync(context.Response, line.Type, line.Object, context.RequestAborted);
                    }
                }
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // Dropped by a test or timed out: the response ends and the client sees the watch close.
            }
        }
        finally
        {
            store.Unwatch(watcher);
            if (bookmarkLoop is not null)
            {
                await bookmarkLoop;
            }

            if (watcher.Abort)
            {
                context.Abort();
            }

            watcher.Dispose();
        }
    }

    private async Task BookmarkLoopAsync(Watcher watcher, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(options.BookmarkInterval, options.TimeProvider, cancellationToken);
                store.QueueBookmark(watcher, initialEventsEnd: false);
            }
        }
        catch (OperationCanceledException)
        {
            // The watch ended.
        }
    }

    /// <summary>Applies the watch's selectors: an object that starts matching is ADDED, one that stops matching is DELETED.</summary>
    private static (string Type, byte[] Object)? Translate(WatchEvent change, ResourceType type, LabelSelector labels, FieldSelector fields)
    {
        if (change.Type == WatchEvent.Bookmark)
        {
            return (change.Type, change.Object);
        }

        var matches = labels.Matches(change.Labels) && fields.Matches(change.Name, change.Namespace, () => KubeStore.Parse(change.Object));
        var eventType = change.Type;
        if (change.Type == WatchEvent.Modified && change.OldObject is not null)
        {
            var matchedBefore = labels.Matches(change.OldLabels) && fields.Matches(change.Name, change.Namespace, () => KubeStore.Parse(change.OldObject));
            if (!matches && !matchedBefore)
            {
                return null;
            }

            eventType = (matchedBefore, matches) switch
            {
                (true, true) => WatchEvent.Modified,
                (false, true) => WatchEvent.Added,
                _ => WatchEvent.Deleted,
            };
        }
        else if (!matches)
        {
            return null;
        }

        var json = change.Object;
        var parsed = KubeStore.Parse(json);
        if (parsed["apiVersion"]?.GetValue<string>() != type.ApiVersion)
        {
            parsed["apiVersion"] = type.ApiVersion;
            json = KubeStore.ToBytes(parsed);
        }

        return (eventType, json);
    }

    private static async Task WriteEventAsync(HttpResponse response, string type, byte[] obj, CancellationToken cancellationToken)
    {
        var line = new byte[EventPrefix.Length + type.Length + EventMiddle.Length + obj.Length + EventSuffix.Length];
        var span = line.AsSpan();
        EventPrefix.CopyTo(span);
        span = span[EventPrefix.Length..];
        Encoding.ASCII.GetBytes(type, span);
        span = span[type.Length..];
        EventMiddle.CopyTo(span);
        span = span[EventMiddle.Length..];
        obj.CopyTo(span);
        span = span[obj.Length..];
        EventSuffix.CopyTo(span);
        await response.Body.WriteAsync(line, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private async Task<bool> TryDiscoveryAsync(HttpContext context, string[] segments)
    {
        if (context.Request.Method != "GET")
        {
            return false;
        }

        JsonNode? body = segments switch
        {
            ["version"] => new JsonObject
            {
                ["major"] = "1",
                ["minor"] = "34",
                ["gitVersion"] = "v1.34.0-tuneoperator-fake",
                ["platform"] = "linux/amd64",
            },
            ["healthz"] or ["readyz"] or ["livez"] => null,
            ["api"] => new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() },
            ["apis"] => GroupList(),
            ["apis", var g] => GroupList()["groups"]!.AsArray().FirstOrDefault(x => x?["name"]?.GetValue<string>() == g)?.DeepClone() is JsonObject found
                ? WithKind(found, "APIGroup")
                : NotFoundPath(),
            ["api", var v] => ResourceList("", v),
            ["apis", var g, var v] => ResourceList(g, v),
            _ => JsonValue.Create(false),
        };
        if (body is JsonValue)
        {
            return false;
        }

        if (body is null)
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok", context.RequestAborted);
            return true;
        }

        await WriteJsonAsync(context, body["kind"]?.GetValue<string>() == "Status" ? 404 : 200, body);
        return true;
    }

    private static JsonObject WithKind(JsonObject obj, string kind)
    {
        obj["kind"] = kind;
        obj["apiVersion"] = "v1";
        return obj;
    }

    private JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var byGroup in registry.All.Where(t => t.Group.Length > 0).GroupBy(t => t.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var versions = new JsonArray();
            foreach (var version in byGroup.Select(t => t.Version).Distinct())
            {
                versions.Add(new JsonObject { ["groupVersion"] = byGroup.Key + "/" + version, ["version"] = version });
            }

            groups.Add(new JsonObject
            {
                ["name"] = byGroup.Key,
                ["versions"] = versions,
                ["preferredVersion"] = versions[0]!.DeepClone(),
            });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private JsonObject ResourceList(string group, string version)
    {
        var types = registry.All.Where(t => t.Group == group && t.Version == version).OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        if (types.Count == 0)
        {
            return NotFoundPath();
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            resources.Add(new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
            });
            if (type.HasStatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }
}
