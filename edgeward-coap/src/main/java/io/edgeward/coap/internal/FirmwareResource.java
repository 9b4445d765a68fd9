package io.edgeward.coap.internal;

import io.edgeward.coap.internal.Callers.Caller;
import io.edgeward.core.ota.Firmwares;
import io.edgeward.core.ota.JobReport;
import io.edgeward.core.ota.OtaDocuments;
import io.edgeward.core.ota.OtaRefusedException;
import io.edgeward.core.ota.Rollouts;
import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.eclipse.californium.core.coap.BlockOption;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * Firmware updates over CoAP, for the device's own job:
 *
 * <pre>
 *   GET  /firmware           the job: release, signed manifest, hash, size, where the image is (4.04: none)
 *   GET  /firmware/image     the image, block-wise (RFC 7959): any block the device asks for, so a
 *                            cut transfer resumes at its next block; 4.02 for a block past the end
 *   POST /firmware/progress  {job_id, status, progress, reason}, as on MQTT
 * </pre>
 *
 * The image is read block by block from its file: memory does not grow with the image.
 */
public final class FirmwareResource extends DeviceResource {

    /** Blocks are at most 1 KiB (SZX 6), the size the node prefers for every block-wise body. */
    private static final int MAX_SZX = BlockOption.size2Szx(1024);

    private final Rollouts rollouts;
    private final Image image;
    private final Progress progress;

    public FirmwareResource(Callers callers, Executor executor, Rollouts rollouts) {
        super("firmware", callers, executor);
        this.rollouts = rollouts;
        this.image = new Image(callers, executor);
        this.progress = new Progress(callers, executor);
        describe("edgeward.firmware", "core.rp");
        add(image);
        add(progress);
    }

    public DeviceResource image() {
        return image;
    }

    public DeviceResource progress() {
        return progress;
    }

    @Override
    void get(CoapExchange exchange, Caller caller) {
        Optional<Rollouts.Offer> offer = rollouts.offerFor(caller.device().id());
        if (offer.isEmpty()) {
            Replies.refuse(exchange, ResponseCode.NOT_FOUND, "no update for this device");
            return;
        }
        exchange.respond(
                ResponseCode.CONTENT,
                OtaDocuments.notification(offer.get().job(), offer.get().firmware(), "/firmware/image"),
                MediaTypeRegistry.APPLICATION_JSON);
    }

    private final class Image extends DeviceResource {
        Image(Callers callers, Executor executor) {
            super("image", callers, executor);
            getAttributes().addContentType(MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        }

        @Override
        void get(CoapExchange exchange, Caller caller) {
            Optional<Rollouts.Offer> offer = rollouts.offerFor(caller.device().id());
            if (offer.isEmpty()) {
                Replies.refuse(exchange, ResponseCode.NOT_FOUND, "no update for this device");
                return;
            }
            Firmwares.Image file;
            try {
                file = rollouts.imageFor(caller.device().id(), offer.get().job().id());
            } catch (IOException e) {
                Replies.refuse(exchange, ResponseCode.INTERNAL_SERVER_ERROR, "the image cannot be read");
                return;
            }
            BlockOption asked = exchange.getRequestOptions().getBlock2();
            int szx = asked == null ? MAX_SZX : Math.min(asked.getSzx(), MAX_SZX);
            int num = asked == null ? 0 : asked.getNum();
            int blockSize = BlockOption.szx2Size(szx);
            long size = file.firmware().size();
            long offset = (long) num * blockSize;
            if (offset >= size) {
                Replies.refuse(
                        exchange,
                        ResponseCode.BAD_OPTION,
                        "block " + num + " is past the end: the image has " + (size + blockSize - 1) / blockSize
                                + " blocks of " + blockSize + " bytes");
                return;
            }
            byte[] block;
            try {
                block = file.read(offset, blockSize);
            } catch (IOException e) {
                Replies.refuse(exchange, ResponseCode.INTERNAL_SERVER_ERROR, "the image cannot be read");
                return;
            }
            Response response = new Response(ResponseCode.CONTENT);
            response.setPayload(block);
            response.getOptions()
                    .setContentFormat(MediaTypeRegistry.APPLICATION_OCTET_STREAM)
                    .setBlock2(szx, offset + block.length < size, num)
                    .setSize2((int) Math.min(Integer.MAX_VALUE, size))
                    // The same image has the same tag: a device resuming knows its blocks are of it.
                    .addETag(Arrays.copyOf(
                            HexFormat.of().parseHex(file.firmware().sha256()), 8));
            exchange.respond(response);
        }
    }

    private final class Progress extends DeviceResource {
        Progress(Callers callers, Executor executor) {
            super("progress", callers, executor);
            describe("edgeward.firmware.progress", "core.p");
        }

        @Override
        void post(CoapExchange exchange, Caller caller) {
            if (!json(exchange, "a progress report")) {
                return;
            }
            try {
                JobReport report = OtaDocuments.progress(exchange.getRequestPayload());
                var job = rollouts.report(caller.device().id(), report);
                exchange.respond(
                        ResponseCode.CHANGED,
                        "{\"job_id\":\"" + job.id() + "\",\"status\":\""
                                + job.status().wireName() + "\"}",
                        MediaTypeRegistry.APPLICATION_JSON);
            } catch (IllegalArgumentException e) {
                Replies.refuse(exchange, ResponseCode.BAD_REQUEST, e.getMessage());
            } catch (OtaRefusedException e) {
                Replies.refuse(
                        exchange,
                        switch (e.reason()) {
                            case NOT_YOURS -> ResponseCode.FORBIDDEN;
                            case UNKNOWN_JOB -> ResponseCode.NOT_FOUND;
                            case OVER -> ResponseCode.CONFLICT;
                        },
                        e.getMessage());
            }
        }
    }
}
