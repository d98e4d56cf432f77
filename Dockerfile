# syntax=docker/dockerfile:1.7
# Two images from one file:
#   docker build --target operator -t tuneoperator/operator .
#   docker build --target trainer  -t tuneoperator/trainer .                        # CPU libtorch
#   docker build --target trainer  --build-arg TORCH_BACKEND=cuda -t tuneoperator/trainer:cuda .
# TORCH_BACKEND=cuda builds the trainer without the CPU libtorch package and puts the CUDA build of libtorch
# (LIBTORCH_CUDA_URL) next to TorchSharp's native glue, on an NVIDIA CUDA runtime base image.
ARG DOTNET_VERSION=10.0
ARG TORCH_BACKEND=cpu
ARG CUDA_BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ARG LIBTORCH_CUDA_URL=https://download.pytorch.org/libtorch/cu128/libtorch-shared-with-deps-2.10.0%2Bcu128.zip

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TORCH_BACKEND
# clang and zlib1g-dev link the operator's Native AOT executable.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish src/TuneOperator.Controller -c Release -r linux-x64 -o /out/operator \
 && rm -f /out/operator/*.dbg \
 && dotnet publish src/TuneOperator.Trainer -c Release -o /out/trainer -p:TorchBackend=${TORCH_BACKEND} \
 && dotnet publish src/TuneOperator.Cli -c Release -o /out/cli

# The operator is a Native AOT executable: no .NET runtime in the image, only its native dependencies.
FROM mcr.microsoft.com/dotnet/runtime-deps:${DOTNET_VERSION} AS operator
WORKDIR /app
COPY --from=build /out/operator/tune-operator /app/tune-operator
USER 65532:65532
ENTRYPOINT ["/app/tune-operator"]

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS trainer-cpu
WORKDIR /app
COPY --from=build /out/trainer .

FROM ${CUDA_BASE} AS trainer-cuda
ARG LIBTORCH_CUDA_URL
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl unzip libicu74 \
 && curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh \
 && bash /tmp/dotnet-install.sh --runtime aspnetcore --channel 10.0 --install-dir /usr/share/dotnet \
 && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && curl -fsSL "$LIBTORCH_CUDA_URL" -o /tmp/libtorch.zip && unzip -q /tmp/libtorch.zip -d /opt \
 && rm -rf /tmp/* /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/trainer .
RUN cp /opt/libtorch/lib/*.so* /app/
ENV LD_LIBRARY_PATH=/app

FROM trainer-${TORCH_BACKEND} AS trainer
COPY --from=build /out/cli /app/cli
# The .NET GC reads these only from the environment: a 2 MiB gen0 budget over 1 MiB regions keeps the trainer's
# resident size flat over long runs (bench/README.md, "Memory growth"; the operator's trainer pod sets them too).
ENV DOTNET_GCgen0size=0x200000 DOTNET_GCRegionSize=0x100000
USER 65532:65532
EXPOSE 50051 9090
ENTRYPOINT ["dotnet", "/app/tune-trainer.dll"]
