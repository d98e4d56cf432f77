using TuneOperator.Trainer;

TorchRuntime.Initialize();
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddGrpc();
builder.Services.AddGrpcHealthChecks();
var app = builder.Build();
app.MapGrpcHealthChecksService();
await app.RunAsync();
