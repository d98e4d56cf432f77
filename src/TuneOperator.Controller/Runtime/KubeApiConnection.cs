using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;

namespace TuneOperator.Controller.Runtime;

/// <summary>
/// The HTTP side of <see cref="KubeApiClient"/>, set up from a <see cref="KubernetesClientConfiguration"/> as kubectl
/// would: the server's certificate checked against the configured certificate authorities (or not at all with
/// <c>insecure-skip-tls-verify</c>), a client certificate when one is configured, and on every request the credentials —
/// a token provider (the service account's token file in a cluster, an exec plugin), else a bearer token, else basic
/// authentication. HTTP/2 where the server offers it, with keep-alive pings so a dead connection under a long watch is
/// noticed. A non-success answer throws <see cref="HttpOperationException"/> carrying the status code and the body.
/// </summary>
internal sealed class KubeApiConnection : IDisposable
{
    private readonly HttpClient http;
    private readonly k8s.Authentication.ITokenProvider? tokens;
    private readonly AuthenticationHeaderValue? staticCredentials;

    public KubeApiConnection(KubernetesClientConfiguration configuration)
    {
        tokens = configuration.TokenProvider;
        if (string.IsNullOrWhiteSpace(configuration.Host) || !Uri.TryCreate(configuration.Host, UriKind.Absolute, out var host))
        {
            throw new KubeConfigException($"the API server address \"{configuration.Host}\" is not an absolute URL; set the cluster's server (https://host:port).");
        }

        BaseUri = new Uri(host.AbsoluteUri.EndsWith('/') ? host.AbsoluteUri : host.AbsoluteUri + "/");
        var handler = new SocketsHttpHandler
        {
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromMinutes(3),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            EnableMultipleHttp2Connections = true,
        };
        if (BaseUri.Scheme == Uri.UriSchemeHttps)
        {
            ConfigureTls(handler.SslOptions, configuration);
        }

        http = new HttpClient(handler) { BaseAddress = BaseUri, Timeout = configuration.HttpClientTimeout };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("tune-operator");
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        if (!configuration.DisableHttp2)
        {
            http.DefaultRequestVersion = HttpVersion.Version20;
        }

        staticCredentials = !string.IsNullOrEmpty(configuration.AccessToken)
            ? new AuthenticationHeaderValue("Bearer", configuration.AccessToken)
            : !string.IsNullOrEmpty(configuration.Username)
                ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(configuration.Username + ":" + configuration.Password)))
                : null;
    }

    public Uri BaseUri { get; }

    /// <summary>Sends one request; the caller disposes the (successful) response.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = tokens is not null
            ? await tokens.GetAuthenticationHeaderAsync(cancellationToken)
            : staticCredentials;
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpOperationException($"{method} {path} answered {(int)response.StatusCode} {response.StatusCode}: {body}")
            {
                Request = new HttpRequestMessageWrapper(request, string.Empty),
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }
    }

    public void Dispose() => http.Dispose();

    private static void ConfigureTls(SslClientAuthenticationOptions ssl, KubernetesClientConfiguration configuration)
    {
        if (!string.IsNullOrEmpty(configuration.TlsServerName))
        {
            ssl.TargetHost = configuration.TlsServerName;
        }

        if (configuration.SkipTlsVerify)
        {
            // insecure-skip-tls-verify: the user asked for no server check, as kubectl allows.
#pragma warning disable CA5359
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (configuration.SslCaCerts is { Count: > 0 } authorities)
        {
            ssl.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            ssl.CertificateChainPolicy.CustomTrustStore.AddRange(authorities);
        }

        if (ClientCertificate(configuration) is { } certificate)
        {
            ssl.ClientCertificates = [certificate];
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
    }

    // client-certificate(-data) and client-key(-data): PEM text, inline as base64 or in files.
    private static X509Certificate2? ClientCertificate(KubernetesClientConfiguration configuration)
    {
        var certificate = PemText(configuration.ClientCertificateData, configuration.ClientCertificateFilePath, "client-certificate", string.Empty);
        var key = PemText(configuration.ClientCertificateKeyData, configuration.ClientKeyFilePath, "client-key", string.Empty);
        if (certificate is null && key is null)
        {
            return null;
        }

        if (certificate is null || key is null)
        {
            throw new KubeConfigException(
                $"the user has a {(certificate is null ? "client-key but no client-certificate" : "client-certificate but no client-key")}; set both (or the -data forms).");
        }

        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(certificate, key);
            // TLS wants a certificate whose key is not ephemeral.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new KubeConfigException($"the client certificate and key are not a matching PEM pair: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The PEM text of a kubeconfig field that is either inline (<c>FIELD-data</c>, base64-encoded) or a file
    /// (<c>FIELD</c>, a path); the inline form wins, as with kubectl. Null when neither is set. Errors start with
    /// <paramref name="source"/> (for example the kubeconfig's path).
    /// </summary>
    /// <exception cref="KubeConfigException">The inline form is not base64, or the file does not exist.</exception>
    internal static string? PemText(string? base64, string? file, string field, string source)
    {
        if (!string.IsNullOrEmpty(base64))
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            }
            catch (FormatException ex)
            {
                throw new KubeConfigException($"{source}{field}-data is not base64 (it holds the PEM text base64-encoded).", ex);
            }
        }

        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        return File.Exists(file)
            ? File.ReadAllText(file)
            : throw new KubeConfigException($"{source}{field} {file} does not exist.");
    }
}
