using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TuneOperator.Api;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Runtime;
using ResourceType = TuneOperator.Controller.Runtime.ResourceType;
using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests.Runtime;

/// <summary>
/// The operator's own API client: REST semantics against the API fake (conflicts, status, merge patch, paging, 410 on
/// a compacted watch), and against small scripted servers what the fake does not show: unreadable watch lines,
/// credentials on each request, TLS against the configured authority with a client certificate.
/// </summary>
public sealed class KubeApiClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static V1Secret Secret(string name, string? resourceVersion = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", ResourceVersion = resourceVersion },
        StringData = new Dictionary<string, string> { ["token"] = name },
    };

    private static V1Pod Pod(string name) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    [Fact]
    public async Task Create_get_replace_patch_and_delete_follow_the_api_servers_answers()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var api = new KubeApiClient(new KubernetesClientConfiguration { Host = fake.Url });

        var created = await api.CreateAsync(ResourceType.Secrets, "default", Secret("a"), Ct);
        var taken = await Assert.ThrowsAsync<HttpOperationException>(() => api.CreateAsync(ResourceType.Secrets, "default", Secret("a"), Ct));
        var changed = Secret("a", created.Metadata.ResourceVersion);
        changed.StringData["token"] = "rotated";
        var replaced = await api.ReplaceAsync(ResourceType.Secrets, "default", "a", changed, Ct);
        var stale = await Assert.ThrowsAsync<HttpOperationException>(
            () => api.ReplaceAsync(ResourceType.Secrets, "default", "a", Secret("a", created.Metadata.ResourceVersion), Ct));
        var patched = await api.MergePatchAsync<V1Secret>(ResourceType.Secrets, "default", "a", """{"metadata":{"labels":{"team":"a"}}}""", Ct);
        var read = await api.GetAsync<V1Secret>(ResourceType.Secrets, "default", "a", Ct);
        await api.DeleteAsync(ResourceType.Secrets, "default", "a", Ct);
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => api.GetAsync<V1Secret>(ResourceType.Secrets, "default", "a", Ct));

        Assert.Equal(HttpStatusCode.Conflict, taken.Response.StatusCode);
        Assert.Contains("AlreadyExists", taken.Response.Content, StringComparison.Ordinal);
        Assert.NotEqual(created.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Equal("a", patched.Metadata.Labels["team"]);
        Assert.Equal(patched.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
        Assert.Null(fake.Get<V1Secret>("default", "a"));
    }

    [Fact]
    public async Task The_status_subresource_changes_only_the_status()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var api = new KubeApiClient(new KubernetesClientConfiguration { Host = fake.Url });
        var pod = await api.CreateAsync(ResourceType.Pods, "default", Pod("p"), Ct);

        pod.Status = new V1PodStatus { Phase = "Running" };
        pod.Spec.Containers[0].Image = "changed";
        var written = await api.ReplaceStatusAsync(ResourceType.Pods, "default", "p", pod, Ct);

        Assert.Equal("Running", written.Status.Phase);
        Assert.Equal("busybox", written.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task A_list_pages_with_limit_and_continue_and_a_label_selector()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var api = new KubeApiClient(new KubernetesClientConfiguration { Host = fake.Url });
        for (var i = 0; i < 5; i++)
        {
            var pod = Pod("s" + i);
            pod.Metadata.Labels = new Dictionary<string, string> { ["parity"] = i % 2 == 0 ? "even" : "odd" };
            await api.CreateAsync(ResourceType.Pods, "default", pod, Ct);
        }

        var names = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await api.ListAsync<V1Pod>(ResourceType.Pods, "default", "parity=even", next, 2, Ct);
            names.AddRange(page.Items.Select(s => s.Metadata.Name));
            next = page.Continue;
            pages++;
        }
        while (!string.IsNullOrEmpty(next));

        Assert.Equal(["s0", "s2", "s4"], names.Order());
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task A_watch_from_a_compacted_version_reports_410_as_the_servers_status()
    {
        await using var fake = await KubeApiFake.StartAsync(cancellationToken: Ct);
        using var api = new KubeApiClient(new KubernetesClientConfiguration { Host = fake.Url });
        var first = await api.CreateAsync(ResourceType.Secrets, "default", Secret("old"), Ct);
        await api.CreateAsync(ResourceType.Secrets, "default", Secret("new"), Ct);
        fake.CompactHistory();
        var errors = new List<Exception>();

        var events = new List<(WatchEventType, V1Secret?, string)>();
        await foreach (var item in api.WatchAsync<V1Secret>(ResourceType.Secrets, "default", null, first.Metadata.ResourceVersion, TimeSpan.FromSeconds(5), errors.Add, Ct))
        {
            events.Add(item);
        }

        Assert.Empty(events);
        var expired = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, expired.Status.Code);
    }

    [Fact]
    public async Task A_watch_reads_each_event_into_the_type_a_bookmark_as_its_version_and_reports_unreadable_lines_without_stopping()
    {
        var lines = string.Join('\n',
            """{"type":"ADDED","object":{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a","resourceVersion":"5"}}}""",
            "not json",
            """{"object":{"kind":"Secret","metadata":{"name":"x"}},"type":"SURPRISE"}""",
            """{"object":{"kind":"Secret","metadata":{"name":"b","resourceVersion":"6"}},"type":"MODIFIED"}""",
            // A bookmark of a kind with required fields (a FineTuneJob's spec) must not be read as a whole object.
            """{"type":"BOOKMARK","object":{"kind":"Secret","metadata":{"resourceVersion":"9"}}}""",
            """{"type":"ERROR","object":{"kind":"Status","status":"Failure","reason":"Expired","code":410}}""",
            string.Empty);
        await using var server = await ScriptedServer.StartAsync(_ => lines, Ct);
        using var api = new KubeApiClient(new KubernetesClientConfiguration { Host = server.Url, AccessToken = "t0k3n" });
        var errors = new List<Exception>();

        var events = new List<(WatchEventType Type, V1Secret? Object, string ResourceVersion)>();
        await foreach (var item in api.WatchAsync<V1Secret>(ResourceType.Secrets, "default", "app=x", "4", TimeSpan.FromSeconds(30), errors.Add, Ct))
        {
            events.Add(item);
        }

        Assert.Equal(
            [(WatchEventType.Added, "a", "5"), (WatchEventType.Modified, "b", "6"), (WatchEventType.Bookmark, null, "9")],
            events.Select(e => (e.Type, e.Object?.Metadata.Name, e.ResourceVersion)));
        Assert.Collection(
            errors,
            e => Assert.IsType<JsonException>(e, exactMatch: false),
            e => Assert.Contains("SURPRISE", Assert.IsType<JsonException>(e).Message, StringComparison.Ordinal),
            e => Assert.Equal(410, Assert.IsType<KubernetesException>(e).Status.Code));
        var request = Assert.Single(server.Requests);
        Assert.Equal("/api/v1/namespaces/default/secrets", request.Path);
        Assert.Contains("watch=true", request.Query, StringComparison.Ordinal);
        Assert.Contains("allowWatchBookmarks=true", request.Query, StringComparison.Ordinal);
        Assert.Contains("resourceVersion=4", request.Query, StringComparison.Ordinal);
        Assert.Contains("labelSelector=app%3Dx", request.Query, StringComparison.Ordinal);
        Assert.Contains("timeoutSeconds=30", request.Query, StringComparison.Ordinal);
        Assert.Equal("Bearer t0k3n", request.Authorization);
    }

    [Fact]
    public async Task A_bookmark_of_a_kind_with_required_fields_brings_only_its_version()
    {
        await using var server = await ScriptedServer.StartAsync(
            _ => """{"type":"BOOKMARK","object":{"apiVersion":"tuneoperator.io/v1alpha1","kind":"FineTuneJob","metadata":{"resourceVersion":"42","annotations":{"k8s.io/initial-events-end":"true"}}}}""" + "\n",
            Ct);
        using var api = new KubeApiClient(new KubernetesClientConfiguration { Host = server.Url });
        var errors = new List<Exception>();

        var events = new List<(WatchEventType, FineTuneJob?, string)>();
        await foreach (var item in api.WatchAsync<FineTuneJob>(FineTuneJobReconciler.JobType, null, null, "41", TimeSpan.FromSeconds(5), errors.Add, Ct))
        {
            events.Add(item);
        }

        Assert.Empty(errors);
        Assert.Equal((WatchEventType.Bookmark, (FineTuneJob?)null, "42"), Assert.Single(events));
        Assert.Equal("/apis/tuneoperator.io/v1alpha1/finetunejobs", Assert.Single(server.Requests).Path);
    }

    [Fact]
    public async Task A_watch_lasts_longer_than_the_request_timeout()
    {
        static async Task SlowWatch(HttpContext context)
        {
            await context.Response.WriteAsync("""{"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"a","resourceVersion":"1"}}}""" + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            await context.Response.WriteAsync("""{"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"b","resourceVersion":"2"}}}""" + "\n", context.RequestAborted);
        }

        await using var server = await ScriptedServer.StartAsync(SlowWatch, Ct);
        using var api = new KubeApiClient(new KubernetesClientConfiguration { Host = server.Url, HttpClientTimeout = TimeSpan.FromSeconds(1) });
        var errors = new List<Exception>();

        var names = new List<string>();
        await foreach (var (_, secret, _) in api.WatchAsync<V1Secret>(ResourceType.Secrets, "default", null, "0", TimeSpan.FromMinutes(5), errors.Add, Ct))
        {
            names.Add(secret!.Metadata.Name);
        }

        Assert.Equal(["a", "b"], names);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Basic_credentials_and_token_providers_are_sent_on_each_request()
    {
        await using var server = await ScriptedServer.StartAsync(_ => """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}""", Ct);
        using var basic = new KubeApiClient(new KubernetesClientConfiguration { Host = server.Url, Username = "ada", Password = "pw" });
        var tokens = new CountingTokens();
        using var provided = new KubeApiClient(new KubernetesClientConfiguration { Host = server.Url, AccessToken = "ignored", TokenProvider = tokens });

        await basic.GetAsync<V1Secret>(ResourceType.Secrets, "default", "s", Ct);
        await provided.GetAsync<V1Secret>(ResourceType.Secrets, "default", "s", Ct);
        await provided.GetAsync<V1Secret>(ResourceType.Secrets, "default", "s", Ct);

        Assert.Equal(
            ["Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ada:pw")), "Bearer token-1", "Bearer token-2"],
            server.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Tls_is_checked_against_the_configured_authority_and_the_client_certificate_is_presented()
    {
        using var authority = TestCertificates.Authority();
        using var serverCertificate = TestCertificates.Issue(authority, "CN=kube-apiserver", server: true);
        using var clientCertificate = TestCertificates.Issue(authority, "CN=tune-operator", server: false);
        await using var server = await ScriptedServer.StartAsync(
            context => $$$"""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"{{{context.Connection.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, false)}}}"}}""",
            Ct,
            serverCertificate);
        var trusted = new KubernetesClientConfiguration
        {
            Host = server.Url,
            SslCaCerts = [X509CertificateLoader.LoadCertificate(authority.RawData)],
            ClientCertificateData = Convert.ToBase64String(Encoding.UTF8.GetBytes(clientCertificate.ExportCertificatePem())),
            ClientCertificateKeyData = Convert.ToBase64String(Encoding.UTF8.GetBytes(clientCertificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())),
        };
        using var api = new KubeApiClient(trusted);
        using var unconfigured = new KubeApiClient(new KubernetesClientConfiguration { Host = server.Url });
        using var skipping = new KubeApiClient(new KubernetesClientConfiguration { Host = server.Url, SkipTlsVerify = true });

        var seen = await api.GetAsync<V1Secret>(ResourceType.Secrets, "default", "s", Ct);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => unconfigured.GetAsync<V1Secret>(ResourceType.Secrets, "default", "s", Ct));
        var anonymous = await skipping.GetAsync<V1Secret>(ResourceType.Secrets, "default", "s", Ct);

        Assert.Equal("tune-operator", seen.Metadata.Name);
        Assert.IsType<System.Security.Authentication.AuthenticationException>(refused.InnerException);
        Assert.True(string.IsNullOrEmpty(anonymous.Metadata.Name));
    }

    private sealed class CountingTokens : k8s.Authentication.ITokenProvider
    {
        private int count;

        public Task<System.Net.Http.Headers.AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "token-" + Interlocked.Increment(ref count)));
    }

    /// <summary>An HTTP(S) server answering every request with the text a function gives, recording each request.</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly WebApplication app;

        private ScriptedServer(WebApplication app, string url)
        {
            this.app = app;
            Url = url;
        }

        public string Url { get; }

        public List<(string Path, string Query, string? Authorization)> Requests { get; } = [];

        public static Task<ScriptedServer> StartAsync(Func<HttpContext, string> answer, CancellationToken cancellationToken, X509Certificate2? certificate = null) =>
            StartAsync(context => context.Response.WriteAsync(answer(context), context.RequestAborted), cancellationToken, certificate);

        public static async Task<ScriptedServer> StartAsync(Func<HttpContext, Task> answer, CancellationToken cancellationToken, X509Certificate2? certificate = null)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate, https =>
                    {
                        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                        https.AllowAnyClientCertificate();
                    });
                }
            }));
            var app = builder.Build();
            ScriptedServer? server = null;
            app.Run(async context =>
            {
                lock (server!.Requests)
                {
                    server.Requests.Add((context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty, context.Request.Headers.Authorization.ToString()));
                }

                context.Response.ContentType = "application/json";
                await answer(context);
            });
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            server = new ScriptedServer(app, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>A throwaway certificate authority and certificates it issues (ECDSA P-256; the authority is valid for a day, what it issues ends a minute earlier).</summary>
    private static class TestCertificates
    {
        public static X509Certificate2 Authority()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=test-authority", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
            return Persisted(certificate);
        }

        public static X509Certificate2 Issue(X509Certificate2 authority, string subject, bool server)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
            if (server)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddIpAddress(IPAddress.Loopback);
                names.AddDnsName("localhost");
                request.CertificateExtensions.Add(names.Build());
            }

            using var issued = request.Create(authority, authority.NotBefore, authority.NotAfter.AddMinutes(-1), RandomNumberGenerator.GetBytes(8));
            using var withKey = issued.CopyWithPrivateKey(key);
            return Persisted(withKey);
        }

        // TLS wants certificates whose keys are not ephemeral: a PKCS#12 round trip.
        private static X509Certificate2 Persisted(X509Certificate2 certificate) =>
            X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }
}
