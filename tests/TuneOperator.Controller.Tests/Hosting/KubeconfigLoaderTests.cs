using k8s.Exceptions;
using TuneOperator.Controller.Hosting;
using Xunit;

namespace TuneOperator.Controller.Tests.Hosting;

public sealed class KubeconfigLoaderTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("kubeconfig-");

    public void Dispose() => folder.Delete(recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(folder.FullName, "config");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_current_contexts_cluster_user_and_namespace_are_used()
    {
        var path = Write("""
            apiVersion: v1
            kind: Config
            preferences: {}
            clusters:
            - name: other
              cluster:
                server: https://other.example:6443
            - name: fake
              cluster:
                server: http://127.0.0.1:41234
            users:
            - name: bench
              user:
                token: secret-token
            contexts:
            - name: other
              context:
                cluster: other
                user: bench
            - name: fake
              context:
                cluster: fake
                user: bench
                namespace: team-a
            current-context: fake
            """);

        var config = KubeconfigLoader.Load(path);

        Assert.Equal("http://127.0.0.1:41234", config.Host.TrimEnd('/'));
        Assert.Equal("secret-token", config.AccessToken);
        Assert.Equal("team-a", config.Namespace);
    }

    [Fact]
    public void A_file_that_is_not_yaml_or_missing_is_rejected_naming_the_file()
    {
        var bad = Write("clusters: [unclosed");

        var invalid = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(bad));
        var missing = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(Path.Combine(folder.FullName, "absent")));

        Assert.Contains(bad, invalid.Message, StringComparison.Ordinal);
        Assert.Contains("absent", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorities_and_client_certificates_are_read_relative_to_the_file_and_legacy_auth_providers_are_refused()
    {
        File.WriteAllText(Path.Combine(folder.FullName, "ca.pem"), CaPem);
        var path = Write("""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: "https://10.0.0.1:6443", certificate-authority: ca.pem, tls-server-name: kubernetes}
            users:
            - name: u
              user: {client-certificate: certs/client.crt, client-key: certs/client.key}
            - name: legacy
              user:
                auth-provider: {name: gcp, config: {cmd-path: gcloud}}
            contexts:
            - name: main
              context: {cluster: c, user: u}
            - name: old
              context: {cluster: c, user: legacy}
            current-context: main
            """);

        var config = KubeconfigLoader.Load(path);
        File.WriteAllText(path, File.ReadAllText(path).Replace("current-context: main", "current-context: old", StringComparison.Ordinal));
        var legacy = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(path));
        File.WriteAllText(path, File.ReadAllText(path).Replace("current-context: old", "current-context: gone", StringComparison.Ordinal));
        var unknown = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(path));

        Assert.Equal("CN=test-ca", Assert.Single(config.SslCaCerts).Subject);
        Assert.Equal("kubernetes", config.TlsServerName);
        Assert.Equal(Path.Combine(folder.FullName, "certs", "client.crt"), config.ClientCertificateFilePath);
        Assert.Equal(Path.Combine(folder.FullName, "certs", "client.key"), config.ClientKeyFilePath);
        Assert.Contains("auth-provider \"gcp\"", legacy.Message, StringComparison.Ordinal);
        Assert.Contains("exec credential plugin", legacy.Message, StringComparison.Ordinal);
        Assert.Contains("\"gone\" is not among its contexts (main, old)", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exec_plugins_token_is_used_until_it_is_about_to_expire_then_the_plugin_runs_again()
    {
        var script = Path.Combine(folder.FullName, "plugin.sh");
        var counter = Path.Combine(folder.FullName, "runs");
        var info = Path.Combine(folder.FullName, "exec-info");
        File.WriteAllText(script, $$$"""
            #!/bin/sh
            n=$(( $(cat {{{counter}}} 2>/dev/null || echo 0) + 1 ))
            echo $n > {{{counter}}}
            printf '%s' "$KUBERNETES_EXEC_INFO" > {{{info}}}
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'$CLUSTER_NAME-$n'","expirationTimestamp":"2026-01-01T00:10:00Z"}}'
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Write($$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: "https://10.0.0.1:6443"}
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: {{script}}
                  env: [{name: CLUSTER_NAME, value: prod}]
            contexts:
            - name: main
              context: {cluster: c, user: u}
            current-context: main
            """);
        var loaded = KubeconfigLoader.Load(path);
        var exec = Assert.IsType<ExecCredentialProvider>(loaded.TokenProvider);
        var time = new ManualTimeProvider();
        var provider = new ExecCredentialProvider(
            new k8s.KubeConfigModels.ExternalExecution
            {
                ApiVersion = "client.authentication.k8s.io/v1",
                Command = script,
                EnvironmentVariables = [new Dictionary<string, string> { ["name"] = "CLUSTER_NAME", ["value"] = "prod" }],
            },
            path,
            time);

        var first = await provider.GetAuthenticationHeaderAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(9));
        var cached = await provider.GetAuthenticationHeaderAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(40));
        var renewed = await provider.GetAuthenticationHeaderAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, exec.Runs);
        Assert.Equal(("Bearer", "prod-1"), (first.Scheme, first.Parameter));
        Assert.Equal("prod-1", cached.Parameter);
        Assert.Equal("prod-2", renewed.Parameter);
        Assert.Equal(2, provider.Runs);
        var execInfo = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(info))!;
        Assert.Equal("client.authentication.k8s.io/v1", (string?)execInfo["apiVersion"]);
        Assert.False((bool)execInfo["spec"]!["interactive"]!);
    }

    [Fact]
    public async Task A_failing_or_mismatched_exec_plugin_is_reported_with_its_output()
    {
        var failing = Path.Combine(folder.FullName, "failing.sh");
        File.WriteAllText(failing, "#!/bin/sh\necho 'login expired, run sso login' >&2\nexit 3\n");
        var wrongVersion = Path.Combine(folder.FullName, "old.sh");
        File.WriteAllText(wrongVersion, "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"status\":{\"token\":\"t\"}}'\n");
        foreach (var script in new[] { failing, wrongVersion })
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        ExecCredentialProvider Plugin(string command) => new(
            new k8s.KubeConfigModels.ExternalExecution { ApiVersion = "client.authentication.k8s.io/v1", Command = command, InstallHint = "install the cloud CLI" },
            "kubeconfig",
            TimeProvider.System);

        var exited = await Assert.ThrowsAsync<KubeConfigException>(() => Plugin(failing).GetAuthenticationHeaderAsync(TestContext.Current.CancellationToken));
        var mismatched = await Assert.ThrowsAsync<KubeConfigException>(() => Plugin(wrongVersion).GetAuthenticationHeaderAsync(TestContext.Current.CancellationToken));
        var missing = await Assert.ThrowsAsync<KubeConfigException>(
            () => Plugin(Path.Combine(folder.FullName, "absent-plugin")).GetAuthenticationHeaderAsync(TestContext.Current.CancellationToken));

        Assert.Contains("exited with 3: login expired, run sso login", exited.Message, StringComparison.Ordinal);
        Assert.Contains("apiVersion \"client.authentication.k8s.io/v1beta1\"", mismatched.Message, StringComparison.Ordinal);
        Assert.Contains("install the cloud CLI", missing.Message, StringComparison.Ordinal);
    }

    // A self-signed CA certificate (CN=test-ca), made when first needed.
    private static string CaPem => CaPemText.Value;

    private static readonly Lazy<string> CaPemText = new(() =>
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=test-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem();
    });
}
