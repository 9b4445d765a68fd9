package io.edgeward.mqtt.internal;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationSuccessfulInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ConnectionStartInput;
import com.hivemq.extension.sdk.api.events.client.parameters.DisconnectEventInput;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishOutboundInterceptor;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.packets.general.MqttVersion;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceRegistry;
import io.edgeward.core.device.Presence;
import io.edgeward.core.logs.DeviceLogs;
import io.edgeward.core.observability.RateLimitedLog;
import io.edgeward.core.ota.Rollouts;
import io.edgeward.core.shadow.ShadowService;
import io.edgeward.core.sync.SyncReceiver;
import io.edgeward.core.telemetry.TelemetryPipeline;
import io.edgeward.mqtt.internal.acknowledgement.AcknowledgementDrains;
import io.edgeward.mqtt.internal.acknowledgement.ConnectionAcknowledgements;
import io.edgeward.mqtt.internal.auth.AclDenials;
import io.edgeward.mqtt.internal.auth.ConnectAuthenticator;
import io.edgeward.mqtt.internal.auth.Principal;
import io.edgeward.mqtt.internal.auth.Principals;
import io.edgeward.mqtt.internal.device.DeviceRequestHandler;
import io.edgeward.mqtt.internal.device.DeviceRequests;
import io.edgeward.mqtt.internal.device.MqttDeviceChannel;
import io.edgeward.mqtt.internal.sync.SyncInterceptor;
import io.edgeward.mqtt.internal.telemetry.TelemetryInterceptor;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Edgeward's extension inside the embedded broker: authentication, authorization, presence
 * (online/offline from connection events) and the per-client interceptors (telemetry ingest,
 * shadow requests, commands and their acknowledgements, message counters).
 */
public final class EdgewardExtension implements ExtensionMain {

    /**
     * Fails start-up when the bundled HiveMQ does not offer what the acknowledgement gate needs.
     * Called before the broker starts: an extension that failed in {@code extensionStart} would
     * leave a broker running without authentication.
     */
    public static void verifyBrokerInternals() {
        ConnectionAcknowledgements.verifyBrokerInternals();
    }

    private static final Logger LOG = LoggerFactory.getLogger(EdgewardExtension.class);

    private final ConnectAuthenticator authenticator;
    /** One for every connection's ACL denials: a line a minute per client id. */
    private final RateLimitedLog aclDenialLog = RateLimitedLog.perMinute();

    private final RateLimitedLog syncRefusalLog = RateLimitedLog.perMinute();

    private final Principals principals;
    private final TelemetryPipeline pipeline;
    private final DeviceRegistry registry;
    private final MqttMetrics metrics;
    private final Duration storeTimeout;
    private final Executor blocking;
    private final Presence presence;
    private final ShadowService shadows;
    private final CommandService commands;
    private final Rollouts rollouts;
    private final MqttDeviceChannel channel;
    private final Optional<SyncReceiver> edges;
    private final Consumer<DeviceId> edgeReady;
    private final DeviceLogs logs;
    private final AcknowledgementDrains drains = new AcknowledgementDrains();

    public EdgewardExtension(
            ConnectAuthenticator authenticator,
            Principals principals,
            TelemetryPipeline pipeline,
            DeviceRegistry registry,
            MqttMetrics metrics,
            Duration storeTimeout,
            Executor blocking,
            Presence presence,
            ShadowService shadows,
            CommandService commands,
            Rollouts rollouts,
            MqttDeviceChannel channel,
            Optional<SyncReceiver> edges,
            Consumer<DeviceId> edgeReady,
            DeviceLogs logs) {
        this.logs = logs;
        this.authenticator = authenticator;
        this.principals = principals;
        this.pipeline = pipeline;
        this.registry = registry;
        this.metrics = metrics;
        this.storeTimeout = storeTimeout;
        this.blocking = blocking;
        this.presence = presence;
        this.shadows = shadows;
        this.commands = commands;
        this.rollouts = rollouts;
        this.channel = channel;
        this.edges = edges;
        this.edgeReady = edgeReady;
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        Services.securityRegistry().setAuthenticatorProvider(providerInput -> authenticator);
        // No authorizer provider: rights are default permissions (see TopicPermissions), which
        // spares every PUBLISH a trip through the extension executor.
        ClientLifecycleEventListener presenceEvents = new ClientLifecycleEventListener() {
            @Override
            public void onMqttConnectionStart(ConnectionStartInput input) {
                // Nothing is known about the client before it authenticates.
            }

            @Override
            public void onAuthenticationSuccessful(AuthenticationSuccessfulInput input) {
                principals.of(input).ifPresent(p -> {
                    if (p instanceof Principal.Device device) {
                        presence.connected(device.id());
                        // A persistent session may already hold the command subscription.
                        commands.deviceReady(device.id());
                    }
                });
            }

            @Override
            public void onDisconnect(DisconnectEventInput input) {
                // Called for clean DISCONNECTs, lost connections and server-side disconnects alike;
                // a connection that never authenticated has no principal and changes nothing.
                principals.of(input).ifPresent(p -> {
                    if (p instanceof Principal.Device device) {
                        presence.disconnected(device.id());
                    }
                });
            }
        };
        Services.eventRegistry().setClientLifecycleEventListener(providerInput -> presenceEvents);
        PublishOutboundInterceptor countOutbound = (outboundInput, outboundOutput) -> metrics.published.increment();
        Services.initializerRegistry().setClientInitializer((initializerInput, clientContext) -> {
            principals.of(initializerInput).ifPresent(principal -> {
                String clientId = initializerInput.getClientInformation().getClientId();
                boolean mqtt5 = initializerInput.getConnectionInformation().getMqttVersion() == MqttVersion.V_5;
                ConnectionAcknowledgements acknowledgements =
                        new ConnectionAcknowledgements(clientId, Services.clientService(), storeTimeout, drains);
                try {
                    acknowledgements.install(initializerInput.getConnectionInformation());
                } catch (RuntimeException e) {
                    // Without the gate acknowledgements would not wait for the store: refuse every
                    // PUBLISH of this connection and close it, rather than acknowledge unstored data.
                    LOG.error(
                            "Cannot hold the acknowledgements of client '{}'; closing it: {}", clientId, e.toString());
                    clientContext.getDefaultPermissions().clear();
                    clientContext.getDefaultPermissions().setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
                    Services.clientService()
                            .disconnectClient(
                                    clientId,
                                    false,
                                    DisconnectReasonCode.SERVER_BUSY,
                                    "the server cannot serve this connection");
                    return;
                }
                TelemetryInterceptor telemetry = new TelemetryInterceptor(
                        principal, mqtt5, pipeline, registry, metrics, blocking, acknowledgements);
                DeviceRequests requests = new DeviceRequests(
                        mqtt5,
                        new DeviceRequestHandler(
                                principal instanceof Principal.Device device ? device.id() : null,
                                shadows,
                                commands,
                                rollouts,
                                channel,
                                blocking,
                                edgeReady,
                                logs),
                        acknowledgements);
                AclDenials denials = new AclDenials(principal, clientId, metrics, aclDenialLog);
                clientContext.addSubscribeInboundInterceptor(denials);
                clientContext.addPublishInboundInterceptor(new InboundRouter(
                        principal,
                        mqtt5,
                        metrics,
                        presence,
                        telemetry,
                        requests,
                        new SyncInterceptor(principal, mqtt5, edges, acknowledgements, syncRefusalLog),
                        denials));
                if (principal instanceof Principal.Device) {
                    clientContext.addPublishOutboundInterceptor(requests);
                    clientContext.addPubackInboundInterceptor(requests);
                    clientContext.addSubscribeInboundInterceptor(requests);
                    clientContext.addSubackOutboundInterceptor(requests);
                }
            });
            clientContext.addPublishOutboundInterceptor(countOutbound);
        });
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        // Nothing to release: the broker drops the registrations with the extension.
    }
}
