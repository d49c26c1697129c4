# Multi-stage build of the mesos-ha executable.
#   docker build -t mesos-ha .
#   docker run --rm mesos-ha master --id 1 --raft 0.0.0.0:7001 --peers ... --http 0.0.0.0:5050 --data-dir /data
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props global.json Mesos.HA.sln ./
COPY src/ src/
RUN dotnet publish src/Cli/Cli.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
VOLUME /data
EXPOSE 5050 7001
ENTRYPOINT ["dotnet", "/app/mesos-ha.dll"]
CMD ["--help"]
