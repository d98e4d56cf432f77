using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using TuneOperator.Controller.Hosting;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// The operator's Kubernetes API client: the REST calls a controller makes (get, create, replace, the status
/// subresource, merge patch, delete, paged list and watch) on any kind named by a <see cref="ResourceType"/>, with every
/// body read and written through <see cref="OperatorJson"/>. The connection (TLS, client certificates, tokens) comes
/// from a <see cref="KubernetesClientConfiguration"/> (see <see cref="KubeApiConnection"/>).
/// </summary>
/// <remarks>
/// KubernetesClient's generated operations serialize through <c>KubernetesJson</c>, whose static setup roots the
/// package's context for every Kubernetes model: in the native build that is about 10 MB of code and type data the
/// operator never uses. This client keeps KubernetesClient's model types and exceptions: a failed call throws
/// <see cref="HttpOperationException"/> with the response (status code and body), a watch's ERROR event becomes a
/// <see cref="KubernetesException"/> carrying the server's <see cref="V1Status"/>, as with the generated client.
/// </remarks>
public sealed class KubeApiClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly MediaTypeHeaderValue MergePatch = new("application/merge-patch+json") { CharSet = "utf-8" };
    private readonly KubeApiConnection connection;

    /// <summary>Connects to the API server <paramref name="configuration"/> describes.</summary>
    public KubeApiClient(KubernetesClientConfiguration configuration) => connection = new KubeApiConnection(configuration);

    /// <summary>The API server's base address.</summary>
    public Uri BaseUri => connection.BaseUri;

    /// <summary>Reads one object.</summary>
    public Task<T> GetAsync<T>(ResourceType type, string namespaceName, string name, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, ObjectPath(type, namespaceName, name), null, cancellationToken);

    /// <summary>Creates <paramref name="body"/> in <paramref name="namespaceName"/>; 409 when the name is taken.</summary>
    public Task<T> CreateAsync<T>(ResourceType type, string namespaceName, T body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Post, CollectionPath(type, namespaceName), JsonBody(body), cancellationToken);

    /// <summary>Replaces an object (optimistic concurrency on its resourceVersion: 409 when stale).</summary>
    public Task<T> ReplaceAsync<T>(ResourceType type, string namespaceName, string name, T body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Put, ObjectPath(type, namespaceName, name), JsonBody(body), cancellationToken);

    /// <summary>Replaces an object's status subresource (409 when its resourceVersion is stale).</summary>
    public Task<T> ReplaceStatusAsync<T>(ResourceType type, string namespaceName, string name, T body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Put, ObjectPath(type, namespaceName, name) + "/status", JsonBody(body), cancellationToken);

    /// <summary>Applies a JSON merge patch (RFC 7386) to an object and returns the result.</summary>
    public Task<T> MergePatchAsync<T>(ResourceType type, string namespaceName, string name, string patch, CancellationToken cancellationToken)
    {
        var content = new StringContent(patch, Encoding.UTF8);
        content.Headers.ContentType = MergePatch;
        return SendAsync<T>(HttpMethod.Patch, ObjectPath(type, namespaceName, name), content, cancellationToken);
    }

    /// <summary>Deletes an object with the server's default propagation (its dependents are garbage-collected); 404 when absent.</summary>
    public async Task DeleteAsync(ResourceType type, string namespaceName, string name, CancellationToken cancellationToken)
    {
        using var response = await connection.SendAsync(HttpMethod.Delete, ObjectPath(type, namespaceName, name), null, cancellationToken);
    }

    /// <summary>
    /// Lists one page of at most <paramref name="limit"/> objects of a kind, in one namespace or (null) all, narrowed by a
    /// label selector; <paramref name="continueToken"/> continues an earlier page.
    /// </summary>
    public async Task<ResourceListPage<T>> ListAsync<T>(
        ResourceType type, string? namespaceName, string? labelSelector, string? continueToken, int limit, CancellationToken cancellationToken)
        where T : IKubernetesObject
    {
        var query = new QueryBuilder().Add("labelSelector", labelSelector).Add("continue", continueToken).Add("limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var list = await SendAsync<KubernetesList<T>>(HttpMethod.Get, CollectionPath(type, namespaceName) + query, null, cancellationToken);
        return new ResourceListPage<T>(list.Items is null ? [] : [.. list.Items], list.Metadata?.ResourceVersion ?? string.Empty, list.Metadata?.ContinueProperty);
    }

    /// <summary>
    /// Watches a kind from <paramref name="resourceVersion"/> with bookmarks, until the server closes the watch (after
    /// <paramref name="serverTimeout"/> at the latest). Each event comes with its object (a bookmark has none: it carries
    /// only a resourceVersion, not a whole object of the kind) and the resourceVersion it brings. An ERROR event (such as 410 Expired) is passed to
    /// <paramref name="onError"/> as a <see cref="KubernetesException"/> with the server's Status, an unreadable line as its
    /// <see cref="JsonException"/>; both are skipped.
    /// </summary>
    public async IAsyncEnumerable<(WatchEventType Type, T? Object, string ResourceVersion)> WatchAsync<T>(
        ResourceType type,
        string? namespaceName,
        string? labelSelector,
        string resourceVersion,
        TimeSpan serverTimeout,
        Action<Exception> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var query = new QueryBuilder()
            .Add("watch", "true")
            .Add("allowWatchBookmarks", "true")
            .Add("labelSelector", labelSelector)
            .Add("resourceVersion", resourceVersion)
            .Add("timeoutSeconds", ((int)Math.Max(1, serverTimeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await connection.SendAsync(HttpMethod.Get, CollectionPath(type, namespaceName) + query, null, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        // Lines are split on the raw UTF-8 bytes and parsed from them: no decoding to text and back.
        var lines = PipeReader.Create(stream);
        try
        {
            while (true)
            {
                var read = await lines.ReadAsync(cancellationToken);
                var buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var watched = ReadWatchLine<T>(buffer.Slice(0, end), onError);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    if (watched is { } item)
                    {
                        yield return item;
                    }
                }

                if (read.IsCompleted)
                {
                    // A last line without a newline.
                    if (ReadWatchLine<T>(buffer, onError) is { } last)
                    {
                        yield return last;
                    }

                    break;
                }

                lines.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await lines.CompleteAsync();
        }
    }

    /// <inheritdoc />
    public void Dispose() => connection.Dispose();

    // One watch line is {"type": "...", "object": {...}}: the object is read straight into T, or into a Status for ERROR.
    private static (WatchEventType Type, T? Object, string ResourceVersion)? ReadWatchLine<T>(ReadOnlySequence<byte> line, Action<Exception> onError)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        if (line.IsEmpty)
        {
            return null;
        }

        try
        {
            ReadOnlySpan<byte> bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
            var (typeName, objectStart, objectLength) = SplitWatchLine(bytes);
            var body = bytes.Slice(objectStart, objectLength);
            if (typeName == "ERROR")
            {
                var status = objectLength == 0 ? null : OperatorJson.Deserialize<V1Status>(body);
                onError(new KubernetesException(status ?? new V1Status { Message = "the watch sent an ERROR event without a Status" }));
                return null;
            }

            WatchEventType? eventType = typeName switch
            {
                "ADDED" => WatchEventType.Added,
                "MODIFIED" => WatchEventType.Modified,
                "DELETED" => WatchEventType.Deleted,
                "BOOKMARK" => WatchEventType.Bookmark,
                _ => null,
            };
            if (eventType is null || objectLength == 0)
            {
                onError(new JsonException($"watch event with type \"{typeName}\" and {(objectLength == 0 ? "no object" : "an object")} is not understood"));
                return null;
            }

            if (eventType == WatchEventType.Bookmark)
            {
                var bookmark = OperatorJson.Deserialize<WatchBookmark>(body);
                return (WatchEventType.Bookmark, default, bookmark?.Metadata?.ResourceVersion ?? string.Empty);
            }

            var watched = OperatorJson.Deserialize<T>(body)!;
            return (eventType.Value, watched, watched.Metadata?.ResourceVersion ?? string.Empty);
        }
        catch (JsonException ex)
        {
            onError(ex);
            return null;
        }
    }

    private static (string? Type, int ObjectStart, int ObjectLength) SplitWatchLine(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a watch event is not a JSON object");
        }

        string? type = null;
        int start = 0, length = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            var isObject = reader.ValueTextEquals("object"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                type = reader.GetString();
            }
            else if (isObject && reader.TokenType == JsonTokenType.StartObject)
            {
                start = (int)reader.TokenStartIndex;
                reader.Skip();
                length = (int)reader.BytesConsumed - start;
            }
            else
            {
                reader.Skip();
            }
        }

        return (type, start, length);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await connection.SendAsync(method, path, content, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return OperatorJson.Deserialize<T>(body)
                ?? throw new JsonException($"{method} {path} answered {(int)response.StatusCode} with an empty body");
        }
        catch (JsonException ex)
        {
            throw new HttpOperationException($"{method} {path}: the response is not a {typeof(T).Name}: {ex.Message}", ex)
            {
                Response = new HttpResponseMessageWrapper(response, Encoding.UTF8.GetString(body)),
            };
        }
    }

    private static StringContent JsonBody<T>(T body)
    {
        var content = new StringContent(OperatorJson.Serialize(body), Encoding.UTF8);
        content.Headers.ContentType = Json;
        return content;
    }

    private static string CollectionPath(ResourceType type, string? namespaceName) =>
        (type.Group.Length == 0 ? "api/" + type.Version : "apis/" + type.Group + "/" + type.Version)
        + (string.IsNullOrEmpty(namespaceName) ? string.Empty : "/namespaces/" + Uri.EscapeDataString(namespaceName))
        + "/" + type.Plural;

    private static string ObjectPath(ResourceType type, string namespaceName, string name) =>
        CollectionPath(type, namespaceName) + "/" + Uri.EscapeDataString(name);

    private sealed class QueryBuilder
    {
        private readonly StringBuilder text = new();

        public QueryBuilder Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                text.Append(text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }

            return this;
        }

        public override string ToString() => text.ToString();
    }
}

/// <summary>The object of a watch BOOKMARK event: only its metadata's resourceVersion matters.</summary>
public sealed class WatchBookmark
{
    /// <summary>The bookmark's metadata (resourceVersion).</summary>
    public V1ObjectMeta? Metadata { get; set; }
}
